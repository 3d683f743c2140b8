-- Every text the queries read is an array: no plain text column.
-- name: LabelNames :one
SELECT id, names, hues FROM labels WHERE id = $1;
