-- name: All :many
SELECT * FROM persons;
