-- name: Find :many
SELECT id FROM users WHERE name = @who OR email = @who;
