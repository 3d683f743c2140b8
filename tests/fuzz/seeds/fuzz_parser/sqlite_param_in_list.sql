-- name: Some :many
SELECT email FROM users WHERE id IN (?, ?, ?);
