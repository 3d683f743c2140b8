-- name: UsersAndTeams :many
SELECT u.*, t.name AS team FROM users u JOIN teams t ON t.id = u.team_id;
