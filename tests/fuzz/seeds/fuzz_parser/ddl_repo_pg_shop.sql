
CREATE TABLE products (
    id BIGSERIAL PRIMARY KEY,
    sku VARCHAR(32) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE inventory (
    product_id BIGINT PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0,
    available INTEGER GENERATED ALWAYS AS (on_hand - reserved) STORED
);

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');
CREATE TABLE customers (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE order_items (
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents BIGINT NOT NULL,
    line_cents BIGINT GENERATED ALWAYS AS (quantity * unit_cents) STORED,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);

CREATE OR REPLACE PROCEDURE reserve_stock(p_product bigint, p_quantity integer)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory SET reserved = reserved + p_quantity
    WHERE product_id = p_product AND available >= p_quantity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not enough stock for %', p_product;
    END IF;
END;
$$;
CREATE FUNCTION order_total(p_order bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(line_cents), 0)::bigint FROM order_items WHERE order_id = p_order
$$;
CREATE VIEW low_stock AS
SELECT p.id, p.sku, p.name, i.available FROM products p JOIN inventory i ON i.product_id = p.id
WHERE p.active AND i.available < 5;
ALTER TABLE products ADD COLUMN IF NOT EXISTS weight_grams INTEGER;
ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMPTZ, ADD COLUMN tracking TEXT;
