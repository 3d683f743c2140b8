-- name: ListTags :many
SELECT id, name FROM tags;
