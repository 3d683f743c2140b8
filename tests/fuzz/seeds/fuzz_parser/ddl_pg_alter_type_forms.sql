
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TYPE colour AS ENUM ('red', 'blue');

ALTER TYPE status ADD VALUE IF NOT EXISTS 'running' BEFORE 'done';
ALTER TYPE status ADD VALUE 'failed' AFTER 'done';
ALTER TYPE status ADD VALUE IF NOT EXISTS 'new';
ALTER TYPE status RENAME VALUE 'done' TO 'succeeded';
ALTER TYPE status RENAME TO job_status;
ALTER TYPE job_status OWNER TO CURRENT_USER;
CREATE SCHEMA paint;
ALTER TYPE colour SET SCHEMA paint;
CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY, status job_status NOT NULL DEFAULT 'new', colour paint.colour);
