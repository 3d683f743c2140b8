-- name: All :many
SELECT id, anything FROM t;
