-- name: Find :many
SELECT id, email FROM users WHERE age > $1 AND team_id = $2;
