
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';
CREATE TYPE public.event_kind AS ENUM ('click', 'view');
ALTER TYPE public.event_kind OWNER TO CURRENT_USER;
CREATE TABLE public.events (
    id bigint NOT NULL,
    token uuid DEFAULT public.gen_random_uuid() NOT NULL,
    kind public.event_kind NOT NULL,
    happened_at timestamp(6) without time zone NOT NULL,
    local_time time(3) with time zone,
    amount numeric(12,2),
    CONSTRAINT events_amount_check CHECK ((amount >= (0)::numeric))
);
ALTER TABLE public.events OWNER TO CURRENT_USER;
ALTER TABLE public.events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);
ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE INDEX events_kind_idx ON public.events USING btree (kind, happened_at DESC);
CREATE MATERIALIZED VIEW public.event_counts AS
 SELECT events.kind,
    count(*) AS n
   FROM public.events
  GROUP BY events.kind
  WITH NO DATA;
ALTER MATERIALIZED VIEW public.event_counts OWNER TO CURRENT_USER;
