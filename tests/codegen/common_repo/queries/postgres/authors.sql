-- name: AddAuthor :one
-- PostgreSQL spelling kept on purpose: the override must win.
INSERT INTO authors AS t (id, name) VALUES (@id, @name)
ON CONFLICT (id) DO UPDATE SET name = excluded.name
RETURNING t.id, t.name;
