-- name: All :many
SELECT * FROM users;
