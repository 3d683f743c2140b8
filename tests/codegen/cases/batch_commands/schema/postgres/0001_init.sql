CREATE TABLE tags (
    id    BIGINT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    icon  BYTEA,
    hot   BOOLEAN NOT NULL DEFAULT false
);
