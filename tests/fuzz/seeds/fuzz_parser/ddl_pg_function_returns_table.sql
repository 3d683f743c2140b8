
CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, published BOOLEAN NOT NULL DEFAULT FALSE);
CREATE FUNCTION search_posts(query text, max_rows integer DEFAULT 20)
RETURNS TABLE (post_id bigint, title text, score real)
LANGUAGE sql STABLE
AS $$
    SELECT id, title, 1.0::real FROM posts
    WHERE published AND (title ILIKE '%' || query || '%' OR body ILIKE '%' || query || '%')
    LIMIT max_rows
$$;
