-- name: Bad :exec
INSERT INTO teams (id, name) VALUES (?);
