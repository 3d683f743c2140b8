-- name: Casts :many
SELECT id::text AS id_text, age::bigint AS age8, score::numeric AS s, created_at::date AS day FROM users;
