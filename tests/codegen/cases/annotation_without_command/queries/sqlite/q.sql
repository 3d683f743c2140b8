-- name: ListTags
SELECT id, name FROM tags;
