-- name: Search :many
SELECT id FROM users WHERE name NOT LIKE ? ESCAPE '\';
