-- name: Bump :exec
UPDATE users SET score = score + ? WHERE team_id = ?;
