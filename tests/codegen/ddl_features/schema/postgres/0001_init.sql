-- The DDL features whose generated code runs against the server
-- (tests/codegen/ddl_features_test.c): an extension type, a composite
-- column, user-defined functions in expressions and in FROM, a
-- procedure, a materialized view.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE address AS (street text, city text);
CREATE TABLE members (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email CITEXT NOT NULL UNIQUE,
    home address,
    points BIGINT NOT NULL DEFAULT 0
);
CREATE FUNCTION display_email(m_id bigint) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT lower(email::text) FROM members WHERE id = m_id);
CREATE FUNCTION top_members(max_rows integer) RETURNS TABLE (member_id bigint, member_points bigint)
LANGUAGE sql STABLE AS $$ SELECT id, points FROM members ORDER BY points DESC, id LIMIT max_rows $$;
CREATE PROCEDURE award(member bigint, amount bigint)
LANGUAGE sql
BEGIN ATOMIC
    UPDATE members SET points = points + amount WHERE id = member;
END;
CREATE MATERIALIZED VIEW points_total AS SELECT count(*) AS members, coalesce(max(points), 0) AS best FROM members;
