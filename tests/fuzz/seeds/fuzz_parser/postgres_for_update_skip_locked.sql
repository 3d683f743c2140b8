-- name: ClaimNext :one
SELECT id, email FROM users WHERE active ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
