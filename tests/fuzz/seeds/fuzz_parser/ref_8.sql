-- name: UpsertEvent :exec
-- Records Diun's latest event for an image; a new event clears the
-- acknowledgement so the image shows up as unread again.
INSERT INTO updates (
    image, diun_version, hostname, status, provider, hub_link, mime_type,
    digest, created, platform, ctn_name, ctn_id, ctn_state, ctn_status
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (image) DO UPDATE SET
    diun_version    = excluded.diun_version,
    hostname        = excluded.hostname,
    status          = excluded.status,
    provider        = excluded.provider,
    hub_link        = excluded.hub_link,
    mime_type       = excluded.mime_type,
    digest          = excluded.digest,
    created         = excluded.created,
    platform        = excluded.platform,
    ctn_name        = excluded.ctn_name,
    ctn_id          = excluded.ctn_id,
    ctn_state       = excluded.ctn_state,
    ctn_status      = excluded.ctn_status,
    received_at     = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    acknowledged_at = NULL,
    seen_count      = updates.seen_count + 1;

-- name: GetUpdates :many
-- Every image with its latest event and its tag, if any, newest first.
SELECT u.image, u.diun_version, u.hostname, u.status, u.provider,
       u.hub_link, u.mime_type, u.digest, u.created, u.platform,
       u.ctn_name, u.ctn_id, u.ctn_state, u.ctn_status,
       u.received_at, u.acknowledged_at, u.seen_count,
       t.id AS tag_id, t.name AS tag_name
FROM updates u
LEFT JOIN tag_assignments ta ON ta.image = u.image
LEFT JOIN tags t ON t.id = ta.tag_id
ORDER BY u.received_at DESC, u.image;

-- name: AcknowledgeUpdate :execrows
UPDATE updates
SET acknowledged_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE image = ?;
