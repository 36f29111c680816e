-- Why a projection stopped, where `larder projections status` (another
-- process than the server) can read it: the runner writes the error of a
-- failed batch here and clears it with the next batch that commits.
ALTER TABLE es.checkpoints
  ADD COLUMN last_error text NOT NULL DEFAULT '',
  ADD COLUMN failed_at timestamptz;
