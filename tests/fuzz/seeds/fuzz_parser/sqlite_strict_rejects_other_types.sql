-- name: All :many
SELECT * FROM things;
