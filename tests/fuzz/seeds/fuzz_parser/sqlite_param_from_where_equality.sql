-- name: ByEmail :one
SELECT id, name FROM users WHERE email = ?;
