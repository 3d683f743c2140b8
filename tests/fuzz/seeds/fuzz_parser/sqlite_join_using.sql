-- name: Same :many
SELECT a.id, b.email FROM users a JOIN users b USING (team_id);
