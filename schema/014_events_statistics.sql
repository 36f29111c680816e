-- No planner statistics for the columns of the event log that no query
-- filters, joins or sorts on: the payload and metadata (jsonb), the two
-- hashes, the event id and the time recorded. Reads find events by
-- position, transaction, stream and tenant, whose statistics stay.
--
-- The log grows by every command, so autovacuum analyzes it often (each
-- tenth of growth, at most once a minute under a stream of commands), and
-- sorting jsonb and bytea samples was most of what that cost: ANALYZE of
-- es.events under `./dev bench http`'s commands took 1.4-2.1 s with them,
-- 0.5-0.7 s without (autovacuum's own: 0.57 s of CPU, then 0.26 s), a
-- second of a core taken from the commands in flight once a minute. (The
-- bench's stalled runs turned out to have another cause: see "One or two
-- of the command runs" in docs/architecture.md.)
ALTER TABLE es.events
  ALTER COLUMN payload SET STATISTICS 0,
  ALTER COLUMN metadata SET STATISTICS 0,
  ALTER COLUMN prev_hash SET STATISTICS 0,
  ALTER COLUMN hash SET STATISTICS 0,
  ALTER COLUMN event_id SET STATISTICS 0,
  ALTER COLUMN recorded_at SET STATISTICS 0;
