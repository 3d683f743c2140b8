-- name: AddTwo :exec
INSERT INTO teams (name) VALUES (?), (?);
