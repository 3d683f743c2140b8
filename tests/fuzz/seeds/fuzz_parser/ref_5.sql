-- name: ListTags :many
SELECT id, name FROM tags ORDER BY name;

-- name: CreateTag :one
INSERT INTO tags (name) VALUES ($1) RETURNING id, name;

-- name: DeleteTag :execrows
-- Assignments go with the tag (ON DELETE CASCADE).
DELETE FROM tags WHERE id = $1;

-- name: AssignTag :exec
-- An image has at most one tag: assigning replaces the previous one.
INSERT INTO tag_assignments (image, tag_id) VALUES ($1, $2)
ON CONFLICT (image) DO UPDATE SET tag_id = excluded.tag_id;

-- name: UnassignTag :execrows
DELETE FROM tag_assignments WHERE image = $1;

-- name: TagExists :one
SELECT EXISTS (SELECT 1 FROM tags WHERE id = $1) AS tag_exists;

-- name: RemoveTagAssignment :execrows
-- Removes the image's tag only when it is that tag.
DELETE FROM tag_assignments WHERE image = $1 AND tag_id = $2;
