-- name: ListTags :many
SELECT id, name FROM tags;

-- name: ListTags :many
SELECT id FROM tags;
