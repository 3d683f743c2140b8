-- name: Search :many
SELECT id FROM users WHERE name LIKE ?;
