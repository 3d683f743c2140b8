-- name: ListTags :execrows
SELECT id, name FROM tags;
