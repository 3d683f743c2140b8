
CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, balance_cents BIGINT NOT NULL);
CREATE TABLE transfers (id BIGSERIAL PRIMARY KEY, from_id BIGINT NOT NULL REFERENCES accounts, to_id BIGINT NOT NULL REFERENCES accounts, cents BIGINT NOT NULL);
CREATE PROCEDURE transfer(from_account bigint, to_account bigint, amount_cents bigint)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET balance_cents = balance_cents - amount_cents WHERE id = from_account;
    UPDATE accounts SET balance_cents = balance_cents + amount_cents WHERE id = to_account;
    INSERT INTO transfers (from_id, to_id, cents) VALUES (from_account, to_account, amount_cents);
END;
$$;
CREATE OR REPLACE PROCEDURE purge_transfers() LANGUAGE sql AS $$ DELETE FROM transfers $$;
