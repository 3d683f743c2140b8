-- name: LatestPerTeam :many
SELECT DISTINCT ON (team_id) team_id, id, created_at FROM users ORDER BY team_id, created_at DESC;
