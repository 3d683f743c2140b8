-- Column names that are C++ keywords: the generated header is included
-- by C++ programs too, inside its extern "C" block.
CREATE TABLE records (
    id       BIGINT PRIMARY KEY,
    class    TEXT NOT NULL,
    typeid   BIGINT NOT NULL,
    "new"    BOOLEAN NOT NULL DEFAULT false,
    "public" BOOLEAN NOT NULL DEFAULT true
);
