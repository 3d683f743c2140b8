-- name: DeleteTags :batchexec
-- One text parameter: the items are an array of strings.
DELETE FROM tags WHERE label = @label;

-- name: SetIcons :batchexec
UPDATE tags SET icon = @icon WHERE id = @id;

-- name: TagByLabel :batchone
SELECT id, icon, hot FROM tags WHERE label = @label;

-- name: TagsAbove :batchmany
SELECT id, label FROM tags WHERE id > @min_id ORDER BY id;

-- name: CopyTags :copyfrom
INSERT INTO tags (label, id, hot, icon) VALUES (@label, @id, @hot, @icon);
