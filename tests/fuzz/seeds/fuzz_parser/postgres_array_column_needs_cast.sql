-- name: Tags :many
SELECT id, tags FROM t;
