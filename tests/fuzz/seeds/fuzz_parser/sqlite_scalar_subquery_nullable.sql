-- name: WithTeam :many
SELECT u.id, (SELECT t.name FROM teams t WHERE t.id = u.team_id) AS team_name FROM users u;
