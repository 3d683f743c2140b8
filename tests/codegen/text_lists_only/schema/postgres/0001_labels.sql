CREATE TABLE labels (
    id    BIGSERIAL PRIMARY KEY,
    names TEXT[] NOT NULL,
    hues  VARCHAR(7)[]
);
