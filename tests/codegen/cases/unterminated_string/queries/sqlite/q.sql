-- name: FindTag :one
SELECT id FROM tags WHERE name = 'oops;
