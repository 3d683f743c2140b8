-- name: Skip :many
SELECT id FROM users ORDER BY id OFFSET $1;
