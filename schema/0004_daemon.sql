-- sluice schema, version 4: daemon mode (docs/architecture.md, "The daemon"). Leases say which
-- process on which host holds them, so a lease of a process that died on this host can be taken
-- at once; instances keep a heartbeat so each `sluice run` knows who shares the work; backfill
-- jobs record who ran them and how far they got. Names are unqualified: the migration runner
-- sets search_path.
-- earlier checksum: f77354067f36abb7cc7f5c846aa2550f9ca5f99c6336f934ccd4415cc412e968
--   (the same statements; only these comments were reworded since)

------------------------------------------------------------------------------------------------
-- leases
------------------------------------------------------------------------------------------------
-- Nullable: rows written by an older sluice have no host and pid, and such a lease simply waits
-- for its expiry.
ALTER TABLE leases
  ADD COLUMN host        text,
  ADD COLUMN pid         integer,
  ADD COLUMN acquired_at timestamptz;

COMMENT ON TABLE leases IS
  'Which sluice process currently works on each source, so several instances never sync the same source at once. A lease past expires_at is free, and so is one whose holder process no longer exists on its host.';
COMMENT ON COLUMN leases.host IS
  'Host name of the machine the holder runs on; NULL for leases taken by sluice before version 4.';
COMMENT ON COLUMN leases.pid IS
  'Process id of the holder on that host: a sluice on the same host may take the lease at once when that process no longer exists.';
COMMENT ON COLUMN leases.acquired_at IS
  'When the current holder took the lease (UTC); renewals keep it. NULL for leases taken before version 4.';

------------------------------------------------------------------------------------------------
-- instances
------------------------------------------------------------------------------------------------
-- One row per running `sluice run`, renewed like a lease. Few rows, read whole: the primary key
-- is the only index.
CREATE TABLE instances (
  holder     text        PRIMARY KEY,
  host       text        NOT NULL,
  pid        integer     NOT NULL,
  sources    text[]      NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

COMMENT ON TABLE instances IS
  'Technical: the running sluice run processes (heartbeat), so instances sharing one database know how many they are and split the sources fairly. A row past expires_at belongs to an instance that stopped; not meant for analysis.';
COMMENT ON COLUMN instances.holder IS
  'The instance''s name, as it appears in leases.holder ("<hostname>:<pid>" or the configured instance name).';
COMMENT ON COLUMN instances.host IS
  'Host name of the machine the instance runs on.';
COMMENT ON COLUMN instances.pid IS
  'Process id of the instance on that host.';
COMMENT ON COLUMN instances.sources IS
  'Names of the sources configured in that instance (the [sources.NAME] keys of its sluice.toml).';
COMMENT ON COLUMN instances.started_at IS
  'When the instance first reported (UTC).';
COMMENT ON COLUMN instances.expires_at IS
  'When the row goes stale unless the instance reports again (UTC); renewed every few seconds while it runs.';

------------------------------------------------------------------------------------------------
-- backfill_jobs
------------------------------------------------------------------------------------------------
ALTER TABLE backfill_jobs
  ADD COLUMN records     bigint NOT NULL DEFAULT 0,
  ADD COLUMN holder      text,
  ADD COLUMN started_at  timestamptz,
  ADD COLUMN finished_at timestamptz;

COMMENT ON COLUMN backfill_jobs.records IS
  'Records written by the job so far, over all its attempts (committed together with progress).';
COMMENT ON COLUMN backfill_jobs.holder IS
  'The sluice process that runs or last ran the job (as in leases.holder); NULL while it never ran.';
COMMENT ON COLUMN backfill_jobs.started_at IS
  'When the job first started running (UTC); NULL while pending.';
COMMENT ON COLUMN backfill_jobs.finished_at IS
  'When the job succeeded or failed (UTC); NULL while pending or running.';

-- Runs interrupted by a stop signal or a lost lease are `cancelled`, not `failed`: a deploy is not
-- an incident. Their committed batches (and cursor) stay.
COMMENT ON COLUMN sync_runs.status IS
  'running, succeeded, failed, cancelled (interrupted by a stop signal or a lost lease; what it committed stays), or suspicious (a complete re-read would have deleted too many rows, so nothing was deleted).';
COMMENT ON COLUMN stream_latest_runs.status IS
  'running, succeeded, failed, cancelled or suspicious.';
