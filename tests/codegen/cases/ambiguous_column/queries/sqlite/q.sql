-- name: NotesWithTags :many
SELECT id, name, body
FROM notes JOIN tags ON tags.id = notes.tag_id;
