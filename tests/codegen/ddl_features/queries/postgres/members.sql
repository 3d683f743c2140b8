-- name: AddMember :one
INSERT INTO members (email, home) VALUES (@email, @home) RETURNING id;

-- name: MemberByEmail :one
SELECT id, email, home, points FROM members WHERE email = @email;

-- name: DisplayEmail :one
SELECT display_email(@id) AS email;

-- name: TopMembers :many
SELECT member_id, member_points FROM top_members(@max_rows);

-- name: Award :exec
CALL award(@member, @amount);

-- name: RefreshTotals :exec
REFRESH MATERIALIZED VIEW points_total;

-- name: Totals :one
SELECT members, best FROM points_total;
