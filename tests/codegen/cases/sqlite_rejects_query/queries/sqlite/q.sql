-- name: FindTags :many
SELECT id, name FROM tags WHERE name ILIKE ?;
