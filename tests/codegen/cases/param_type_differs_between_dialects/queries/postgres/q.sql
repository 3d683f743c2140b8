-- name: GetTag :one
SELECT name FROM tags WHERE id = $1;
