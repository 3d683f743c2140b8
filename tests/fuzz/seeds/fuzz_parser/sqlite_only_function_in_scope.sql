-- name: Kinds :many
SELECT typeof(age) AS kind, ifnull(name, email) AS label FROM users;
