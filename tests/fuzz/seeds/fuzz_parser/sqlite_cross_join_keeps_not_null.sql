-- name: Pairs :many
SELECT u.email, t.name FROM users u CROSS JOIN teams t;
