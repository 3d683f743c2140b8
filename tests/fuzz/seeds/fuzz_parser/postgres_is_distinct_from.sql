-- name: Changed :many
SELECT id FROM users WHERE name IS DISTINCT FROM $1;
