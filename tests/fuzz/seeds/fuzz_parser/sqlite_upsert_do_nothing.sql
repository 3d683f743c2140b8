-- name: Ensure :exec
INSERT INTO users (email) VALUES (?) ON CONFLICT (email) DO NOTHING;
