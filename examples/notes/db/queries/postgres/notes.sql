-- name: CreateNote :one
-- Adds a note; body may be NULL.
INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, title, body;

-- name: GetNote :one
SELECT id, title, body FROM notes WHERE id = $1;

-- name: ListNotes :many
SELECT id, title, body FROM notes ORDER BY id;
