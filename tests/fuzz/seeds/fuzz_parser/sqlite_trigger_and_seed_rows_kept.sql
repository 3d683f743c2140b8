-- name: Items :many
SELECT id, name, updated_at FROM items;
