CREATE TABLE authors (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    email   TEXT UNIQUE,
    "default" INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE books (
    id        INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    title     TEXT NOT NULL,
    price     REAL,
    cover     BLOB,
    published BOOLEAN NOT NULL DEFAULT 0
);
