-- Column names that are C++ keywords: the generated header is included
-- by C++ programs too, inside its extern "C" block.
CREATE TABLE records (
    id       INTEGER PRIMARY KEY,
    class    TEXT NOT NULL,
    typeid   INTEGER NOT NULL,
    "new"    BOOLEAN NOT NULL DEFAULT 0,
    "public" BOOLEAN NOT NULL DEFAULT 1
);
