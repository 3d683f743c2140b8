-- The Diun dashboard store: one row per watched image (the latest event
-- Diun posted for it), user-defined tags, and at most one tag per image.

CREATE TABLE updates (
    image           TEXT PRIMARY KEY,
    diun_version    TEXT NOT NULL,
    hostname        TEXT NOT NULL,
    status          TEXT NOT NULL,
    provider        TEXT NOT NULL,
    hub_link        TEXT,
    mime_type       TEXT,
    digest          TEXT,
    created         TEXT,
    platform        TEXT,
    ctn_name        TEXT,
    ctn_id          TEXT,
    ctn_state       TEXT,
    ctn_status      TEXT,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    acknowledged_at TIMESTAMPTZ
);

CREATE TABLE tags (
    id   BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE tag_assignments (
    image  TEXT PRIMARY KEY REFERENCES updates (image) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);
