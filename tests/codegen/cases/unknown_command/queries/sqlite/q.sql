-- name: ListTags :fetch
SELECT id, name FROM tags;
