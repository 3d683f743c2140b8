-- name: Some :many
SELECT email FROM users WHERE id = ? OR id = ? OR id = @id_2;
