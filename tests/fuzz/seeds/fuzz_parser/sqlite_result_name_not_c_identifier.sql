-- name: Weird :many
SELECT email AS "e-mail" FROM users;
