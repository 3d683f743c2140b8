-- name: ByActive :many
SELECT id FROM users WHERE active = ?;
