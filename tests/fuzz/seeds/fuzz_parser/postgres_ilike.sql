-- name: Search :many
SELECT id FROM users WHERE email ILIKE $1;
