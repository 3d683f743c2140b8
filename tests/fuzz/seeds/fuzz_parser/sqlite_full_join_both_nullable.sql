-- name: Everything :many
SELECT u.email, t.name FROM users u FULL OUTER JOIN teams t ON t.id = u.team_id;
