-- name: Pairs :many
SELECT u.email, t.name FROM users u, teams t WHERE t.id = u.team_id;
