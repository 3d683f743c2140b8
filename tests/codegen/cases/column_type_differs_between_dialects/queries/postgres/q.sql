-- name: TagNames :many
SELECT id AS label FROM tags;
