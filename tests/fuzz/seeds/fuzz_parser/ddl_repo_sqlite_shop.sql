
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
) STRICT;
CREATE TABLE stock (
    product_id INTEGER PRIMARY KEY REFERENCES products (id),
    on_hand INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- order_items is written first and references orders, created below:
-- SQLite resolves references when rows are written
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_email TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'shipped')),
    placed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE order_totals AS SELECT 0 AS order_id, 0 AS total_cents WHERE 0;

ALTER TABLE orders RENAME COLUMN customer_email TO email;
ALTER TABLE stock RENAME TO inventory;
ALTER TABLE inventory ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
DROP TABLE IF EXISTS order_totals;
