
CREATE TABLE base_entity (
    id BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ
);
CREATE TABLE audited (changed_by TEXT NOT NULL);
-- the parents' columns come first, in the order of INHERITS; a column
-- repeated from a parent is merged with it
CREATE TABLE products (
    sku TEXT NOT NULL UNIQUE,
    updated_at TIMESTAMPTZ NOT NULL,
    price_cents BIGINT NOT NULL
) INHERITS (base_entity, audited);
