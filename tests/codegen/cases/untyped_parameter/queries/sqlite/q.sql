-- name: Echo :one
SELECT ? AS value;
