-- name: AddTeam :one
INSERT INTO teams (name) VALUES (@name) RETURNING *;
