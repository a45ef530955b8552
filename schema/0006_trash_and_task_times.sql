-- sluice schema, version 6: what two columns now hold. No data changes: the meanings below are
-- what sluice writes from this version on. Names are unqualified: the migration runner sets
-- search_path.

-- CloudApp's trash listing may leave out deleted_at; every item listed there is trashed anyway.
COMMENT ON COLUMN cloudapp_items.trashed_at IS
  'When the item was moved to CloudApp''s trash (UTC): the API''s deleted_at, or, when the trash listing gives none, when sluice first saw the item there (kept on later runs). NULL for items not in the trash.';

-- Clevertim gives task dates as wall-clock fields without a zone; the source's `timezone` option
-- names the account's zone.
COMMENT ON COLUMN crm_tasks.starts_at IS
  'When the task is scheduled to start (UTC), converted from the account''s local time (the source''s timezone option, default UTC). A local time that a daylight-saving change makes ambiguous or skips is read with the UTC offset in force just before the change.';
COMMENT ON COLUMN crm_tasks.ends_at IS
  'When the task is scheduled to end or is due (UTC), converted from the account''s local time like starts_at.';
