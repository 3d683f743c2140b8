-- name: Totals :many
SELECT customer, total, n FROM totals WHERE total > ?;
