-- The Diun dashboard store: one row per watched image (the latest event
-- Diun posted for it), user-defined tags, and at most one tag per image.

CREATE TABLE updates (
    image           TEXT NOT NULL PRIMARY KEY,
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
    received_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    acknowledged_at TEXT
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE tag_assignments (
    image  TEXT NOT NULL PRIMARY KEY REFERENCES updates (image) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);
