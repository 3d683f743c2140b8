-- name: ListTags :many
SELEC id, name FROM tags;
