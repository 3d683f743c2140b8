-- Count how often Diun reported an image, and make tag deletion cascade
-- through an index instead of a scan of tag_assignments.

ALTER TABLE updates ADD COLUMN seen_count INTEGER NOT NULL DEFAULT 1;

CREATE INDEX idx_tag_assignments_tag_id ON tag_assignments (tag_id);
