SELECT 1;

-- name: ListTags :many
SELECT id, name FROM tags;
