-- name: ListTags :many
SELECT id, name FROM tags;
SELECT id FROM notes;
