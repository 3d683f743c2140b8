
CREATE TABLE sales (id BIGSERIAL PRIMARY KEY, region TEXT NOT NULL, amount_cents BIGINT NOT NULL, sold_at TIMESTAMPTZ NOT NULL DEFAULT now());

-- queried like a view; NOT NULL where the analyzer infers it
CREATE MATERIALIZED VIEW IF NOT EXISTS region_sales AS
SELECT region, count(*) AS sales, max(amount_cents) AS biggest_cents
FROM sales GROUP BY region
WITH DATA;
CREATE UNIQUE INDEX region_sales_region ON region_sales (region);
