-- name: Bands :many
SELECT CASE WHEN age < 18 THEN 'minor' END AS band FROM users;
