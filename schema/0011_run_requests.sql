-- sluice schema, version 11: `sluice sync --source NAME` against a source that a `sluice run`
-- daemon holds hands the run to that daemon instead of failing. The command inserts a request
-- here and sends NOTIFY sluice_control ('request <schema>'); the daemon holding the source claims
-- it within a second, runs the streams and records each stream's outcome and the exit code, which
-- the waiting command prints. A request claimed by a daemon that died or lost the source goes to
-- whoever holds the source next. Names are unqualified: the migration runner sets search_path.

CREATE TABLE run_requests (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text        NOT NULL,
  streams      text[]      NOT NULL DEFAULT '{}',
  full_refresh boolean     NOT NULL DEFAULT false,
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  state        text        NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'running', 'done', 'cancelled')),
  claimed_by   text,
  claimed_at   timestamptz,
  finished_at  timestamptz,
  exit_code    integer
);

-- Daemons look for open requests of the sources they hold every few seconds: only those rows.
CREATE INDEX run_requests_open_idx ON run_requests (id) WHERE state IN ('pending', 'running');

CREATE TABLE run_request_streams (
  request_id bigint NOT NULL REFERENCES run_requests (id) ON DELETE CASCADE,
  stream     text   NOT NULL,
  run_id     bigint,
  status     text   NOT NULL,
  report     text   NOT NULL,
  PRIMARY KEY (request_id, stream)
);

COMMENT ON TABLE run_requests IS
  'Technical: runs asked of the daemons by sluice sync for sources a daemon holds (one row per source and command). Shows who asked for what and how it ended; not meant for analysis.';
COMMENT ON COLUMN run_requests.id IS
  'Request number, as printed by sluice sync --no-wait.';
COMMENT ON COLUMN run_requests.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN run_requests.streams IS
  'The streams to run, e.g. {reviews}; empty: every stream the holding daemon has configured for the source.';
COMMENT ON COLUMN run_requests.full_refresh IS
  'True for sync --full: each stream walks the whole account instead of resuming from its cursor.';
COMMENT ON COLUMN run_requests.requested_by IS
  'Who asked: the operating-system user and host of the sluice sync command (user@host).';
COMMENT ON COLUMN run_requests.requested_at IS
  'When the request was made (UTC).';
COMMENT ON COLUMN run_requests.state IS
  'pending (waiting for the holder of the source), running (claimed by claimed_by), done (exit_code and run_request_streams say how it went), or cancelled (the waiting command was interrupted before any daemon claimed it).';
COMMENT ON COLUMN run_requests.claimed_by IS
  'The daemon running (or that ran) the request, as named in leases.holder. A request running under a daemon that no longer holds the source is claimed again by the next holder.';
COMMENT ON COLUMN run_requests.claimed_at IS
  'When claimed_by claimed it (UTC).';
COMMENT ON COLUMN run_requests.finished_at IS
  'When the request was done or cancelled (UTC); NULL before.';
COMMENT ON COLUMN run_requests.exit_code IS
  'The exit code sluice sync reports for it: 0 when every stream succeeded, 1 when one failed; NULL until done.';
COMMENT ON TABLE run_request_streams IS
  'Technical: how each stream of a done run request ended, as the daemon reported it; not meant for analysis (sync_runs has the runs themselves).';
COMMENT ON COLUMN run_request_streams.request_id IS
  'The request (run_requests.id).';
COMMENT ON COLUMN run_request_streams.stream IS
  'The stream, e.g. "reviews".';
COMMENT ON COLUMN run_request_streams.run_id IS
  'The run in sync_runs (sync_runs.id); NULL when the stream never started (e.g. not configured on the daemon).';
COMMENT ON COLUMN run_request_streams.status IS
  'succeeded, suspicious or failed, as in sync_runs.status.';
COMMENT ON COLUMN run_request_streams.report IS
  'The line the run logged at its end (records, inserted, updated, deleted, requests; or the failure).';
