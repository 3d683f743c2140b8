-- name: RecordsOfClass :many
SELECT id, class, typeid, "new", "public" FROM records WHERE class = @class AND "public" = @public;

-- name: AddRecord :exec
INSERT INTO records (id, class, typeid) VALUES (@id, @class, @typeid);
