
CREATE TABLE measurements (
    sensor_id BIGINT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL,
    value DOUBLE PRECISION,
    PRIMARY KEY (sensor_id, taken_at)
) PARTITION BY RANGE (taken_at);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measurements_other PARTITION OF measurements DEFAULT;
CREATE TABLE tenants_data (tenant TEXT NOT NULL, payload JSONB) PARTITION BY LIST (tenant);
CREATE TABLE tenants_data_acme PARTITION OF tenants_data FOR VALUES IN ('acme', 'acme-eu');
CREATE TABLE buckets (id BIGINT NOT NULL, v TEXT) PARTITION BY HASH (id);
CREATE TABLE buckets_0 PARTITION OF buckets FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE buckets_1 PARTITION OF buckets FOR VALUES WITH (MODULUS 2, REMAINDER 1);
