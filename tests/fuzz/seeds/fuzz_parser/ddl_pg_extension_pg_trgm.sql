
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE products (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, description TEXT);
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_description_trgm ON products USING gist (description gist_trgm_ops);
