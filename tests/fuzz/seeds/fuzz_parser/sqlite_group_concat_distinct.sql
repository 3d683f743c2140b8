-- name: Names :one
SELECT group_concat(DISTINCT name) AS names FROM users;
