-- name: Label :many
SELECT CASE age WHEN ? THEN 'match' ELSE 'other' END AS label FROM users;
