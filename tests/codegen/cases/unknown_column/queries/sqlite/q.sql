-- name: ListTags :many
SELECT id, nmae FROM tags;
