-- name: ById :one
SELECT email FROM users WHERE id = $1::bigint;
