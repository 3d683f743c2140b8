-- name: DeleteTag :execrows
DELETE FROM tags WHERE id = $1;
