-- name: Names :many
SELECT id, email FROM users UNION SELECT id FROM teams;
