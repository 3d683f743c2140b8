CREATE TABLE authors (
    id      SERIAL PRIMARY KEY,
    name    VARCHAR(200) NOT NULL,
    email   TEXT UNIQUE,
    "default" INT NOT NULL DEFAULT 0
);

CREATE TABLE books (
    id        BIGSERIAL PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    title     TEXT NOT NULL,
    price     DOUBLE PRECISION,
    cover     BYTEA,
    published BOOLEAN NOT NULL DEFAULT FALSE
);
