
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, UNIQUE (name) INCLUDE (id));
CREATE TABLE bookings (
    id BIGSERIAL,
    room_id BIGINT NOT NULL REFERENCES rooms (id),
    guest TEXT NOT NULL,
    during TSTZRANGE NOT NULL,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT bookings_pkey PRIMARY KEY (id) INCLUDE (room_id),
    CONSTRAINT no_double_booking EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (NOT cancelled)
);
ALTER TABLE bookings ADD CONSTRAINT one_guest_at_a_time EXCLUDE USING gist (guest WITH =, during WITH &&);
