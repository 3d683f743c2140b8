-- name: Sub :many
SELECT s.id, s.mail FROM (SELECT id, email AS mail FROM users WHERE age > ?) AS s;
