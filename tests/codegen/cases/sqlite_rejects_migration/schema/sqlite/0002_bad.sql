CREATE INDEX idx_tags_name ON tags (name);
CREATE INDEX idx_tags_name ON tags (name);
