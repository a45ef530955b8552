-- sluice schema, version 9: freshness objectives. Each configured stream has a max_staleness (the
-- newest successful run must be younger than it); sluice writes the configured value here when
-- it starts and on reload, so BI tools and SQL alerts can tell a stale stream from the table
-- alone, with the same rule as `sluice status` and the daemon's metrics. Names are unqualified:
-- the migration runner sets search_path.

CREATE TABLE stream_objectives (
  source        text        NOT NULL,
  stream        text        NOT NULL,
  max_staleness interval    NOT NULL CHECK (max_staleness > interval '0'),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, stream)
);

COMMENT ON TABLE stream_objectives IS
  'Freshness objective of every configured stream, as the configuration last said (max_staleness, default 3 x interval and at least 1 hour). Rows of sources no longer configured stay until removed by hand.';
COMMENT ON COLUMN stream_objectives.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN stream_objectives.stream IS
  'Stream of the source, e.g. "reviews".';
COMMENT ON COLUMN stream_objectives.max_staleness IS
  'The newest successful run of the stream must be younger than this; older means stale.';
COMMENT ON COLUMN stream_objectives.updated_at IS
  'When sluice last wrote a changed objective (UTC).';

-- Columns can only be added at the end of a view that is replaced. The newest success is looked
-- up once per stream (sync_runs_stream_idx), after the latest run of each stream is chosen.
CREATE OR REPLACE VIEW stream_latest_runs AS
SELECT l.*, s.last_success_at, o.max_staleness,
  CASE WHEN o.max_staleness IS NULL THEN NULL
       ELSE s.last_success_at IS NULL OR s.last_success_at < now() - o.max_staleness
  END AS stale
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
LEFT JOIN stream_objectives o ON o.source = l.source AND o.stream = l.stream;

COMMENT ON COLUMN stream_latest_runs.last_success_at IS
  'When the newest successful (succeeded or suspicious) run of the stream ended (UTC); NULL if none ever did.';
COMMENT ON COLUMN stream_latest_runs.max_staleness IS
  'The stream''s freshness objective (stream_objectives); NULL when no running configuration has declared one.';
COMMENT ON COLUMN stream_latest_runs.stale IS
  'True when the newest successful run is older than max_staleness (or there was none); NULL without an objective.';
