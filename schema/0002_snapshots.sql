-- sluice schema, version 2: deletion detection for snapshot streams (docs/architecture.md,
-- "Sync semantics") and review views for BI tools. Names are unqualified: the migration runner
-- sets search_path.
-- earlier checksum: 544c3cb95ad8f9a088a8a7084018413fe7390dd6ee77a44b73a1eb38310d9979
--   (the same statements; only these comments were reworded since)

------------------------------------------------------------------------------------------------
-- snapshot_seen
------------------------------------------------------------------------------------------------
-- Durable (and logged, not UNLOGGED) on purpose: a full walk killed halfway resumes in a later
-- process and must still know what the first half saw. An UNLOGGED table is emptied by a
-- PostgreSQL crash, and a resumed snapshot would then mark every row of the first half deleted.
-- The writer adds a commit's ids in the same transaction as the rows themselves, with one
-- INSERT ... ON CONFLICT DO NOTHING per commit; ids already present cost a key probe, no write.
CREATE TABLE snapshot_seen (
  source      text NOT NULL,
  stream      text NOT NULL,
  external_id text NOT NULL,
  PRIMARY KEY (source, stream, external_id)
);

COMMENT ON TABLE snapshot_seen IS
  'Technical: ids written so far by the snapshot (complete re-read) in progress of each source and stream. When the snapshot completes, live rows of that source missing here are marked deleted and the stream''s ids are removed again. Empty between snapshots; not meant for analysis.';
COMMENT ON COLUMN snapshot_seen.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN snapshot_seen.stream IS
  'Stream of the source whose snapshot saw the id, e.g. "reviews" or "items".';
COMMENT ON COLUMN snapshot_seen.external_id IS
  'Vendor id of a record present in the snapshot (the external_id of the stream''s table).';

------------------------------------------------------------------------------------------------
-- Views for BI tools
------------------------------------------------------------------------------------------------
-- Like review_daily_stats (0001), these count live reviews only and call a review replied when
-- it has reply text, so the views agree with each other.
CREATE VIEW review_reply_share AS
SELECT
  r.source,
  r.provider,
  r.platform,
  r.business_external_id,
  count(*)                                                      AS reviews,
  count(*) FILTER (WHERE r.reply_content IS NOT NULL)           AS replied_reviews,
  (count(*) FILTER (WHERE r.reply_content IS NOT NULL))::numeric
    / count(*)                                                  AS reply_share
FROM reviews r
WHERE r.deleted_at IS NULL
GROUP BY r.source, r.provider, r.platform, r.business_external_id;

COMMENT ON VIEW review_reply_share IS
  'How many live (not deleted) reviews the business answered publicly, per source, provider, platform and business, over all time. Filter or weight by reviews when averaging shares.';
COMMENT ON COLUMN review_reply_share.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN review_reply_share.provider IS
  'Review aggregator: cloutly or partoo.';
COMMENT ON COLUMN review_reply_share.platform IS
  'Review site (google, facebook, tripadvisor, ...); NULL when the vendor did not say.';
COMMENT ON COLUMN review_reply_share.business_external_id IS
  'Vendor id of the business reviewed; joins to businesses.external_id within the same source.';
COMMENT ON COLUMN review_reply_share.reviews IS
  'Number of live reviews (never 0: a group exists only when it has reviews).';
COMMENT ON COLUMN review_reply_share.replied_reviews IS
  'Number of those reviews that have a public reply from the business (reply_content set).';
COMMENT ON COLUMN review_reply_share.reply_share IS
  'replied_reviews / reviews, a number from 0 to 1 (multiply by 100 for a percentage).';

CREATE VIEW review_business_stats AS
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
  s.last_review_at
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
    max(r.created_at)                                             AS last_review_at
  FROM reviews r
  WHERE r.deleted_at IS NULL
  GROUP BY r.source, r.provider, r.business_external_id
) s
-- The name of a business that was deleted since is still the right label for its reviews.
LEFT JOIN businesses b ON b.source = s.source AND b.external_id = s.business_external_id;

COMMENT ON VIEW review_business_stats IS
  'One line per reviewed business (per source and provider, all platforms together) over its live (not deleted) reviews: volume, average rating, reply share and the dates of the first and last review, with the business name from businesses.';
COMMENT ON COLUMN review_business_stats.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN review_business_stats.provider IS
  'Review aggregator: cloutly or partoo.';
COMMENT ON COLUMN review_business_stats.business_external_id IS
  'Vendor id of the business reviewed; joins to businesses.external_id within the same source.';
COMMENT ON COLUMN review_business_stats.business_name IS
  'Name of the business from businesses (kept even if the business was deleted at the vendor since); NULL when the business itself was not synced.';
COMMENT ON COLUMN review_business_stats.reviews IS
  'Number of live reviews of the business.';
COMMENT ON COLUMN review_business_stats.rated_reviews IS
  'Number of those reviews that carry a star rating.';
COMMENT ON COLUMN review_business_stats.average_rating IS
  'Average star rating of the rated reviews (NULL when none was rated).';
COMMENT ON COLUMN review_business_stats.replied_reviews IS
  'Number of reviews with a public reply from the business (reply_content set).';
COMMENT ON COLUMN review_business_stats.reply_share IS
  'replied_reviews / reviews, a number from 0 to 1 (multiply by 100 for a percentage).';
COMMENT ON COLUMN review_business_stats.first_review_at IS
  'When the oldest live review was written (UTC, reviews.created_at).';
COMMENT ON COLUMN review_business_stats.last_review_at IS
  'When the newest live review was written (UTC, reviews.created_at): how recent the feedback is.';
