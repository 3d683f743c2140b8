-- name: DeleteTag :one
DELETE FROM tags WHERE id = ?;
