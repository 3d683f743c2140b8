-- name: ListTags :many
SELECT id, name FROM tags;

-- name: CountTags :one
SELECT count(*) AS n FROM tags;
