-- name: DeleteTag :exec
DELETE FROM tags WHERE id = ?;
