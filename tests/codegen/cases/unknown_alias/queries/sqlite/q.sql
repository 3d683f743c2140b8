-- name: ListTags :many
SELECT t.id, x.name FROM tags t;
