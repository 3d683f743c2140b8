-- name: GetTag :one
SELECT id, name FROM tags WHERE name = $1;
