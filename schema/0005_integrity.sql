-- sluice schema, version 5: integrity against the vendors. Cloutly's archived flag becomes a typed
-- column that the review views count apart, and `sluice verify` (and the daemon, every
-- verify_interval) records each reconciliation of a stream's table with the API's own count.
-- Names are unqualified: the migration runner sets search_path.

------------------------------------------------------------------------------------------------
-- reviews.archived
------------------------------------------------------------------------------------------------
-- NULL for rows written before version 5 until their next change; the connectors always set it.
ALTER TABLE reviews ADD COLUMN archived boolean;

COMMENT ON COLUMN reviews.archived IS
  'Cloutly: the business archived the review in Cloutly (isArchived); it still exists on the review site. Always false for Partoo. NULL for rows not rewritten since sluice 0.1.';

------------------------------------------------------------------------------------------------
-- verifications
------------------------------------------------------------------------------------------------
CREATE TABLE verifications (
  id             bigserial   PRIMARY KEY,
  source         text        NOT NULL,
  stream         text        NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  outcome        text        NOT NULL DEFAULT 'running'
                 CHECK (outcome IN ('running', 'matched', 'repaired', 'drift', 'failed',
                                    'unsupported')),
  api_count      bigint,
  table_count    bigint,
  ranges_probed  integer     NOT NULL DEFAULT 0,
  ranges_drifted integer     NOT NULL DEFAULT 0,
  rows_repaired  bigint      NOT NULL DEFAULT 0,
  rows_deleted   bigint      NOT NULL DEFAULT 0,
  requests       integer     NOT NULL DEFAULT 0,
  dry_run        boolean     NOT NULL DEFAULT false,
  error          text,
  details        jsonb
);
-- status and /metrics read the latest verification per stream.
CREATE INDEX verifications_stream_latest ON verifications (stream, source, id DESC);

COMMENT ON TABLE verifications IS
  'One row per reconciliation of a stream (sluice verify, or the daemon every verify_interval): the API''s own count compared with the table, the drifted ranges found and what was repaired.';
COMMENT ON COLUMN verifications.id IS
  'Sequential id of the verification.';
COMMENT ON COLUMN verifications.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN verifications.stream IS
  'Stream of the source, e.g. "reviews".';
COMMENT ON COLUMN verifications.started_at IS
  'When the verification started (UTC).';
COMMENT ON COLUMN verifications.finished_at IS
  'When it ended (UTC); NULL while running, or when the process died during it.';
COMMENT ON COLUMN verifications.outcome IS
  'matched (table and API agree), repaired (drift was found and repaired, and the table agrees now), drift (drift remains: a dry run, or repair held back), failed (see error), unsupported (the API reports no count for this stream), running.';
COMMENT ON COLUMN verifications.api_count IS
  'Records the API reported for the stream''s filter, at the end of the verification.';
COMMENT ON COLUMN verifications.table_count IS
  'Rows of the table the same filter selects, at the end of the verification.';
COMMENT ON COLUMN verifications.ranges_probed IS
  'Time ranges whose counts were compared (one per count request).';
COMMENT ON COLUMN verifications.ranges_drifted IS
  'Smallest ranges found whose counts disagreed, and that were re-read.';
COMMENT ON COLUMN verifications.rows_repaired IS
  'Rows inserted or changed by re-reading the drifted ranges.';
COMMENT ON COLUMN verifications.rows_deleted IS
  'Rows marked deleted because the API no longer returns them in a re-read range.';
COMMENT ON COLUMN verifications.requests IS
  'HTTP requests the verification spent (counts and re-reads).';
COMMENT ON COLUMN verifications.dry_run IS
  'true for sluice verify --dry-run: counts compared, nothing changed.';
COMMENT ON COLUMN verifications.error IS
  'Error message when the verification failed (never contains credentials).';
COMMENT ON COLUMN verifications.details IS
  'The facts behind the figures, as JSON: a one-line note, and per source kind e.g. how the API''s default search treats deleted records, the span compared, the drifted spans with their counts (the first 20), whether a safety valve held.';

------------------------------------------------------------------------------------------------
-- verification_marks
------------------------------------------------------------------------------------------------
-- Rows a verification found gone from a re-read span or snapshot. A live row also gets
-- deleted_at; a row the source had already deleted keeps its own deleted_at, and this mark is
-- what tells it apart from one the API still lists as deleted (which a search that includes
-- deleted records still counts). A mark holds only while marked_at >= the row's synced_at: the
-- marked row's content_hash is cleared, so any later write of it (the record came back) moves
-- synced_at past the mark and undoes it without touching this table.
CREATE TABLE verification_marks (
  source          text        NOT NULL,
  table_name      text        NOT NULL,
  external_id     text        NOT NULL,
  marked_at       timestamptz NOT NULL,
  verification_id bigint      REFERENCES verifications (id) ON DELETE SET NULL,
  PRIMARY KEY (source, table_name, external_id)
);

COMMENT ON TABLE verification_marks IS
  'Technical: rows that a verification found gone at the source (absent from a complete re-read). Counts ignore a row while its mark is at least as recent as the row''s synced_at; a later write of the row (it came back) undoes the mark.';
COMMENT ON COLUMN verification_marks.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN verification_marks.table_name IS
  'Data table of the row, e.g. "reviews".';
COMMENT ON COLUMN verification_marks.external_id IS
  'Vendor id of the row (external_id of that table).';
COMMENT ON COLUMN verification_marks.marked_at IS
  'When the verification marked it (UTC); equal to the row''s synced_at then.';
COMMENT ON COLUMN verification_marks.verification_id IS
  'The verification that marked it (verifications.id).';

------------------------------------------------------------------------------------------------
-- Views: archived reviews counted apart (appended columns; the earlier ones are unchanged)
------------------------------------------------------------------------------------------------
CREATE OR REPLACE VIEW review_daily_stats AS
SELECT
  (r.created_at AT TIME ZONE 'UTC')::date AS day,
  r.source,
  r.provider,
  r.platform,
  r.business_external_id,
  count(*)                                  AS reviews,
  count(r.rating)                           AS rated_reviews,
  avg(r.rating)                             AS average_rating,
  count(*) FILTER (WHERE r.reply_content IS NOT NULL) AS replied_reviews,
  count(*) FILTER (WHERE r.archived)        AS archived_reviews
FROM reviews r
WHERE r.deleted_at IS NULL AND r.created_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

COMMENT ON COLUMN review_daily_stats.archived_reviews IS
  'Number of those reviews archived in Cloutly (included in reviews; 0 for Partoo).';

CREATE OR REPLACE VIEW review_business_stats AS
SELECT
  s.source,
  s.provider,
  s.business_external_id,
  b.name AS business_name,
  s.reviews,
  s.rated_reviews,
  s.average_rating,
  s.replied_reviews,
  s.reply_share,
  s.first_review_at,
  s.last_review_at,
  s.archived_reviews
FROM (
  SELECT
    r.source,
    r.provider,
    r.business_external_id,
    count(*)                                                      AS reviews,
    count(r.rating)                                               AS rated_reviews,
    avg(r.rating)                                                 AS average_rating,
    count(*) FILTER (WHERE r.reply_content IS NOT NULL)           AS replied_reviews,
    (count(*) FILTER (WHERE r.reply_content IS NOT NULL))::numeric
      / count(*)                                                  AS reply_share,
    min(r.created_at)                                             AS first_review_at,
    max(r.created_at)                                             AS last_review_at,
    count(*) FILTER (WHERE r.archived)                            AS archived_reviews
  FROM reviews r
  WHERE r.deleted_at IS NULL
  GROUP BY r.source, r.provider, r.business_external_id
) s
LEFT JOIN businesses b ON b.source = s.source AND b.external_id = s.business_external_id;

COMMENT ON COLUMN review_business_stats.archived_reviews IS
  'Number of those reviews archived in Cloutly (included in reviews; 0 for Partoo).';
