-- name: AddNote :exec
INSERT INTO notes (tag_id) VALUES (?);
