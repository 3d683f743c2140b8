-- name: Many :many
SELECT id FROM users WHERE id IN (sqlc.slice(ids));
