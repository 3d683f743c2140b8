-- name: ByMood :many
SELECT id, current_mood, previous FROM people WHERE current_mood = $1;

-- name: SetMood :exec
UPDATE people SET current_mood = $1::mood WHERE id = $2;
