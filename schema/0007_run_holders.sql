-- sluice schema, version 7: a run's row says which process ran it, so a row left 'running' by a
-- process that died or lost its database connection can be closed as 'interrupted' by whoever
-- holds the source next. Names are unqualified: the migration runner sets search_path.

ALTER TABLE sync_runs ADD COLUMN holder text;

-- Few rows are ever 'running'; the sweeps that look for abandoned ones read only those.
CREATE INDEX sync_runs_running_idx ON sync_runs (source, stream) WHERE status = 'running';

COMMENT ON COLUMN sync_runs.holder IS
  'The sluice process that ran it, as named in leases.holder; NULL for runs recorded before version 7.';
COMMENT ON COLUMN sync_runs.status IS
  'running, succeeded, failed, cancelled (interrupted by a stop signal or a lost lease; what it committed stays), interrupted (the process running it died or lost its database connection before recording the end; closed by the next holder of the source; what it committed stays), or suspicious (a complete re-read would have deleted too many rows, so nothing was deleted).';
COMMENT ON COLUMN sync_runs.finished_at IS
  'When the run ended (UTC); NULL while running. For an interrupted run: when sluice noticed that it had been abandoned.';
