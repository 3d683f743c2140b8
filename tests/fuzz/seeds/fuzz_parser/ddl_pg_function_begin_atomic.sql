
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL DEFAULT 0);
CREATE FUNCTION bump(counter_name text, by_amount bigint) RETURNS bigint
LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO counters (name, value) VALUES (counter_name, by_amount)
        ON CONFLICT (name) DO UPDATE SET value = counters.value + by_amount;
    SELECT CASE WHEN value > 0 THEN value ELSE 0 END FROM counters WHERE name = counter_name;
END;
CREATE FUNCTION is_big(n bigint) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN n > 1000;
CREATE TABLE after_the_function (id BIGSERIAL PRIMARY KEY);
