-- name: TagNames :many
SELECT name AS label FROM tags;
