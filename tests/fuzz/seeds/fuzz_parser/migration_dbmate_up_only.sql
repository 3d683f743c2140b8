-- name: ListUsers :many
SELECT id, name FROM users;
