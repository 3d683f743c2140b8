-- name: Find :many
SELECT id FROM users WHERE name = :name;
