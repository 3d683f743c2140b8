-- name: PurgeOld :execrows
WITH old AS (SELECT id FROM users WHERE age > ?)
DELETE FROM users WHERE id IN (SELECT id FROM old);
