-- name: AddAuthor :one
INSERT INTO authors (id, name) VALUES (@id, @name)
ON CONFLICT (id) DO UPDATE SET name = excluded.name
RETURNING id, name;

-- name: AuthorCounters :many
SELECT a.name, a.note, c.id AS counter_id
FROM authors a JOIN counters c ON c.author_id = a.id
WHERE a.id = ?
ORDER BY c.id;
