-- name: GetTag :one
SELECT id, name FROM tags WHERE id = ?;
