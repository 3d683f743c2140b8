-- name: Nicks :many
SELECT nick FROM people;
