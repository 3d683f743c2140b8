-- name: Both :many
SELECT u.id, t.id FROM users u JOIN teams t ON t.id = u.team_id;
