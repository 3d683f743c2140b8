-- name: X :one
SELECT 1 AS x;
