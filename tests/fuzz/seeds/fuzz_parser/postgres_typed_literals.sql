-- name: Recent :many
SELECT id FROM users WHERE created_at > now() - interval '7 days' AND created_at::date >= date '2024-01-01';
