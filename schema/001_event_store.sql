-- The append-only, hash-chained event store (DESIGN.md §4).
-- Runs as the owner role. The application role may read and append, never
-- rewrite: privileges say so, and a trigger says so to everyone else too.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'larder_app') THEN
    CREATE ROLE larder_app NOLOGIN;
  END IF;
END
$$;

CREATE SCHEMA es;
REVOKE ALL ON SCHEMA es FROM PUBLIC;
GRANT USAGE ON SCHEMA es TO larder_app;

-- One row per stream: its version and the hash of its last event. An append
-- moves both with a compare-and-set on version (optimistic concurrency).
CREATE TABLE es.streams (
  stream_id   text PRIMARY KEY CHECK (length(stream_id) BETWEEN 1 AND 200),
  tenant_id   uuid NOT NULL,
  stream_type text NOT NULL,
  version     bigint NOT NULL CHECK (version >= 0),
  last_hash   bytea NOT NULL CHECK (length(last_hash) = 32)
) WITH (fillfactor = 70); -- room for HOT updates: every append moves a row
CREATE INDEX streams_tenant ON es.streams (tenant_id, stream_type);

CREATE TABLE es.events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id        uuid NOT NULL UNIQUE,
  tenant_id       uuid NOT NULL,
  stream_id       text NOT NULL,
  stream_version  bigint NOT NULL CHECK (stream_version >= 1),
  event_type      text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
  schema_version  int NOT NULL CHECK (schema_version >= 1),
  payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  metadata        jsonb NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
  recorded_at     timestamptz NOT NULL,
  prev_hash       bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash            bytea NOT NULL CHECK (length(hash) = 32),
  UNIQUE (stream_id, stream_version)
);
-- The fence-ordered read of the global log (DESIGN.md §4.3).
CREATE INDEX events_fence ON es.events (transaction_id, global_position);
CREATE INDEX events_tenant ON es.events (tenant_id, global_position);

CREATE FUNCTION es.reject_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'es.events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_no_update_delete
  BEFORE UPDATE OR DELETE ON es.events
  FOR EACH STATEMENT EXECUTE FUNCTION es.reject_rewrite();
CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON es.events
  FOR EACH STATEMENT EXECUTE FUNCTION es.reject_rewrite();

-- Projection and process-manager progress, in fence order.
CREATE TABLE es.checkpoints (
  name          text PRIMARY KEY,
  last_xid      xid8 NOT NULL DEFAULT '0',
  last_position bigint NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON es.events TO larder_app;
GRANT SELECT, INSERT, UPDATE ON es.streams TO larder_app;
GRANT SELECT, INSERT, UPDATE ON es.checkpoints TO larder_app;

-- The server checks at start that its schema is current.
GRANT SELECT ON public.larder_migrations TO larder_app;
