-- name: ByEmail :one
SELECT id FROM users WHERE ? = email;
