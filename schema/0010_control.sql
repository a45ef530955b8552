-- sluice schema, version 10: operator control of running daemons. `sluice pause` writes a row
-- here and `sluice resume` deletes it; every `sluice run` instance listens on the channel
-- sluice_control (NOTIFY with a payload naming what changed, e.g. 'pause') and re-reads the table
-- within a second, and every few seconds anyway since a notification sent while an instance was
-- reconnecting is lost. Names are unqualified: the migration runner sets search_path.

CREATE TABLE stream_pauses (
  source    text        NOT NULL,
  stream    text        NOT NULL,
  reason    text        NOT NULL DEFAULT '',
  paused_by text        NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, stream)
);

COMMENT ON TABLE stream_pauses IS
  'Streams an operator paused (sluice pause): no instance starts a new scheduled run of them until sluice resume deletes the row. A run already in flight finishes normally.';
COMMENT ON COLUMN stream_pauses.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN stream_pauses.stream IS
  'The paused stream, e.g. "reviews"; "*" pauses every stream of the source.';
COMMENT ON COLUMN stream_pauses.reason IS
  'Why, as given to sluice pause --reason (empty when none was given).';
COMMENT ON COLUMN stream_pauses.paused_by IS
  'Who paused it: the operating-system user and host of the sluice pause command (user@host).';
COMMENT ON COLUMN stream_pauses.paused_at IS
  'When the stream was paused (UTC).';

-- Columns can only be added at the end of a view that is replaced: `paused` comes last, and
-- `stale` is redefined in place (false while paused: a paused stream is not late, it was told to
-- wait).
CREATE OR REPLACE VIEW stream_latest_runs AS
SELECT l.*, s.last_success_at, o.max_staleness,
  CASE WHEN p.paused THEN false
       WHEN o.max_staleness IS NULL THEN NULL
       ELSE s.last_success_at IS NULL OR s.last_success_at < now() - o.max_staleness
  END AS stale,
  p.paused
FROM (
  SELECT DISTINCT ON (source, stream)
    source, stream, id AS run_id, mode, status, started_at, finished_at,
    records, inserted, updated, deleted, warnings, error_kind, error
  FROM sync_runs
  ORDER BY source, stream, id DESC
) l
LEFT JOIN LATERAL (
  SELECT x.finished_at AS last_success_at FROM sync_runs x
  WHERE x.source = l.source AND x.stream = l.stream AND x.status IN ('succeeded', 'suspicious')
  ORDER BY x.id DESC LIMIT 1
) s ON true
LEFT JOIN stream_objectives o ON o.source = l.source AND o.stream = l.stream
CROSS JOIN LATERAL (
  SELECT EXISTS (SELECT 1 FROM stream_pauses q
                 WHERE q.source = l.source AND q.stream IN (l.stream, '*')) AS paused
) p;

COMMENT ON COLUMN stream_latest_runs.stale IS
  'True when the newest successful run is older than max_staleness (or there was none); NULL without an objective; false while the stream is paused.';
COMMENT ON COLUMN stream_latest_runs.paused IS
  'True while the stream (or its whole source) is paused by sluice pause (table stream_pauses): no new scheduled run starts.';
