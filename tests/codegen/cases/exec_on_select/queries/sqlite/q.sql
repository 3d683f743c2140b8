-- name: ListTags :exec
SELECT id, name FROM tags;
