-- sluice schema, version 1: the data tables (docs/architecture.md, "Tables"), the bookkeeping
-- tables and views for BI tools. Names are unqualified: the migration runner sets search_path to
-- the configured schema (default "sluice") and creates schema_migrations itself before this runs.
-- earlier checksum: e2cda3877d06727b3806f6f8544e7daeca77a9117bebb7a0928814d7fe2b040f
--   (the same statements; only these comments were reworded since)
--
-- Common to every data table: the key (source, external_id); `raw` keeps the whole API object;
-- `content_hash` lets the writer skip rows whose mapped content did not change, so re-reading a
-- page neither rewrites nor locks them; `synced_at` moves only when content changed.

------------------------------------------------------------------------------------------------
-- reviews
------------------------------------------------------------------------------------------------
CREATE TABLE reviews (
  source               text        NOT NULL,
  external_id          text        NOT NULL,
  provider             text,
  business_external_id text,
  platform             text,
  author_name          text,
  rating               numeric,
  recommended          boolean,
  title                text,
  content              text,
  status               text,
  review_url           text,
  reply_content        text,
  reply_author         text,
  reply_at             timestamptz,
  tags                 text[],
  created_at           timestamptz,
  updated_at           timestamptz,
  raw                  jsonb,
  deleted_at           timestamptz,
  content_hash         bytea       NOT NULL,
  first_synced_at      timestamptz NOT NULL DEFAULT now(),
  synced_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
-- Partial on purpose: besides the primary key, no index on a data table may be usable for a
-- lookup by (source, external_id). The writer probes the primary key once per staged row, and
-- while a table is still empty (no statistics) the planner rates any index leading with `source`
-- as good as the key, then scans every row of the source per probe (quadratic first loads).
-- store_tests checks this rule for every data table.
CREATE INDEX reviews_source_updated_at_idx ON reviews (source, updated_at) WHERE deleted_at IS NULL;
CREATE INDEX reviews_business_idx ON reviews (business_external_id);
CREATE INDEX reviews_created_at_idx ON reviews (created_at);
CREATE INDEX reviews_platform_created_at_idx ON reviews (platform, created_at);

COMMENT ON TABLE reviews IS
  'Customer reviews collected by Cloutly (/reviews) and Partoo (/reviews), one row per review and source. Rows are never removed: a review deleted at the vendor keeps its row with deleted_at set. Filter on deleted_at IS NULL for live reviews.';
COMMENT ON COLUMN reviews.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml, e.g. "reviews-eu"). Together with external_id it identifies the row.';
COMMENT ON COLUMN reviews.external_id IS
  'The review''s id at the vendor (Cloutly or Partoo), stored as text whatever type the API uses. Unique within a source.';
COMMENT ON COLUMN reviews.provider IS
  'Which review aggregator delivered the review: "cloutly" or "partoo".';
COMMENT ON COLUMN reviews.business_external_id IS
  'Vendor id of the business (location) the review is about; joins to businesses.external_id within the same source.';
COMMENT ON COLUMN reviews.platform IS
  'Site where the review was written, lower case: google, facebook, tripadvisor, trustpilot, ... Partoo''s "google_my_business" is stored as "google" so both providers group together.';
COMMENT ON COLUMN reviews.author_name IS
  'Display name of the reviewer as the platform shows it. NULL when anonymous or not provided.';
COMMENT ON COLUMN reviews.rating IS
  'Star rating given by the reviewer, as the platform reports it (usually 1 to 5; decimals are kept). NULL for platforms without stars (e.g. Facebook recommendations) or when the vendor sent no usable number (the original value stays in raw).';
COMMENT ON COLUMN reviews.recommended IS
  'Facebook-style recommendation: true = recommends, false = does not recommend, NULL when the platform has no such notion.';
COMMENT ON COLUMN reviews.title IS
  'Review title, where the platform has one (e.g. TripAdvisor, Trustpilot).';
COMMENT ON COLUMN reviews.content IS
  'Full text of the review as written by the reviewer. NULL for rating-only reviews.';
COMMENT ON COLUMN reviews.status IS
  'Review state at the vendor: Partoo''s "state" (e.g. treated, not_treated, deleted) or Cloutly''s "status". Values are the vendor''s own.';
COMMENT ON COLUMN reviews.review_url IS
  'Link to the review on the platform, when the vendor provides one.';
COMMENT ON COLUMN reviews.reply_content IS
  'Text of the business''s public reply: Cloutly''s response.comment or Partoo''s first top-level comment. NULL when unanswered.';
COMMENT ON COLUMN reviews.reply_author IS
  'Who wrote the reply (Cloutly response.name or Partoo comment author_name).';
COMMENT ON COLUMN reviews.reply_at IS
  'When the reply was posted (UTC).';
COMMENT ON COLUMN reviews.tags IS
  'Labels attached to the review at the vendor (tag labels, not ids). Empty array or NULL when none.';
COMMENT ON COLUMN reviews.created_at IS
  'When the review was written on the platform (UTC). Use this for "reviews per day" charts.';
COMMENT ON COLUMN reviews.updated_at IS
  'When the vendor last changed the review (UTC), e.g. Partoo''s update_date. Incremental syncs follow this value.';
COMMENT ON COLUMN reviews.raw IS
  'The complete review object exactly as the vendor''s API returned it (JSON). Fields without a typed column, and original values of fields that could not be parsed, are here.';
COMMENT ON COLUMN reviews.deleted_at IS
  'When the review was deleted at the vendor or disappeared from a complete re-read (UTC). NULL for live reviews; cleared again if the review comes back.';
COMMENT ON COLUMN reviews.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip rows that did not change. Not meaningful for analysis.';
COMMENT ON COLUMN reviews.first_synced_at IS
  'When sluice first stored this review (UTC).';
COMMENT ON COLUMN reviews.synced_at IS
  'When sluice last wrote a change to this row (UTC). Unchanged rows are not rewritten, so this is not "last seen"; see sync_runs for when each stream last ran.';

------------------------------------------------------------------------------------------------
-- businesses
------------------------------------------------------------------------------------------------
CREATE TABLE businesses (
  source          text        NOT NULL,
  external_id     text        NOT NULL,
  provider        text,
  name            text,
  platforms       text[],
  address         text,
  city            text,
  zipcode         text,
  country         text,
  status          text,
  raw             jsonb,
  deleted_at      timestamptz,
  content_hash    bytea       NOT NULL,
  first_synced_at timestamptz NOT NULL DEFAULT now(),
  synced_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX businesses_name_idx ON businesses (name);

COMMENT ON TABLE businesses IS
  'Businesses (locations) whose reviews are collected, from Cloutly (/businesses) and Partoo (/business/search). Join reviews.business_external_id to external_id within the same source.';
COMMENT ON COLUMN businesses.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN businesses.external_id IS
  'The business''s id at the vendor, as text. Unique within a source.';
COMMENT ON COLUMN businesses.provider IS
  'Which vendor delivered the business: "cloutly" or "partoo".';
COMMENT ON COLUMN businesses.name IS
  'Business (location) name as configured at the vendor.';
COMMENT ON COLUMN businesses.platforms IS
  'Review platforms connected for this business (google, facebook, ...), with Partoo''s "google_my_business" stored as "google".';
COMMENT ON COLUMN businesses.address IS
  'Street address as the vendor holds it.';
COMMENT ON COLUMN businesses.city IS
  'City of the business.';
COMMENT ON COLUMN businesses.zipcode IS
  'Postal code, as text (leading zeros kept).';
COMMENT ON COLUMN businesses.country IS
  'Country as the vendor reports it (often an ISO code such as "FR").';
COMMENT ON COLUMN businesses.status IS
  'Business status at the vendor (e.g. open, closed); values are the vendor''s own.';
COMMENT ON COLUMN businesses.raw IS
  'The complete business object exactly as the vendor''s API returned it (JSON).';
COMMENT ON COLUMN businesses.deleted_at IS
  'When the business was deleted at the vendor or vanished from a complete re-read (UTC). NULL for live businesses.';
COMMENT ON COLUMN businesses.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN businesses.first_synced_at IS
  'When sluice first stored this business (UTC).';
COMMENT ON COLUMN businesses.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- cloudapp_items
------------------------------------------------------------------------------------------------
CREATE TABLE cloudapp_items (
  source          text        NOT NULL,
  external_id     text        NOT NULL,
  name            text,
  item_type       text,
  url             text,
  content_url     text,
  redirect_url    text,
  remote_url      text,
  view_counter    bigint,
  private         boolean,
  created_at      timestamptz,
  updated_at      timestamptz,
  trashed_at      timestamptz,
  raw             jsonb,
  deleted_at      timestamptz,
  content_hash    bytea       NOT NULL,
  first_synced_at timestamptz NOT NULL DEFAULT now(),
  synced_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX cloudapp_items_created_at_idx ON cloudapp_items (created_at);

COMMENT ON TABLE cloudapp_items IS
  'Files, screenshots, links and other items shared through CloudApp (/items), both live and in the trash.';
COMMENT ON COLUMN cloudapp_items.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN cloudapp_items.external_id IS
  'The item''s id at CloudApp, as text. Unique within a source.';
COMMENT ON COLUMN cloudapp_items.name IS
  'Item name (usually the uploaded file name or bookmark title).';
COMMENT ON COLUMN cloudapp_items.item_type IS
  'Kind of item as CloudApp reports it: image, bookmark, text, archive, audio, video, unknown.';
COMMENT ON COLUMN cloudapp_items.url IS
  'Short share link of the item.';
COMMENT ON COLUMN cloudapp_items.content_url IS
  'Direct link to the item''s content (the file itself).';
COMMENT ON COLUMN cloudapp_items.redirect_url IS
  'Target URL of a bookmark item; NULL for files.';
COMMENT ON COLUMN cloudapp_items.remote_url IS
  'Storage URL of the uploaded file, when CloudApp exposes it.';
COMMENT ON COLUMN cloudapp_items.view_counter IS
  'Number of times the item was viewed, as counted by CloudApp at the last sync.';
COMMENT ON COLUMN cloudapp_items.private IS
  'true when the item is private (not viewable through its public link).';
COMMENT ON COLUMN cloudapp_items.created_at IS
  'When the item was uploaded or created (UTC).';
COMMENT ON COLUMN cloudapp_items.updated_at IS
  'When CloudApp last changed the item (UTC).';
COMMENT ON COLUMN cloudapp_items.trashed_at IS
  'When the item was moved to CloudApp''s trash (the API''s deleted_at, UTC). NULL for items not in the trash.';
COMMENT ON COLUMN cloudapp_items.raw IS
  'The complete item object exactly as the CloudApp API returned it (JSON).';
COMMENT ON COLUMN cloudapp_items.deleted_at IS
  'When the item disappeared from CloudApp altogether (neither live nor in the trash in a complete re-read, UTC). NULL while it exists.';
COMMENT ON COLUMN cloudapp_items.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN cloudapp_items.first_synced_at IS
  'When sluice first stored this item (UTC).';
COMMENT ON COLUMN cloudapp_items.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_contacts
------------------------------------------------------------------------------------------------
CREATE TABLE crm_contacts (
  source              text        NOT NULL,
  external_id         text        NOT NULL,
  first_name          text,
  last_name           text,
  title               text,
  company_external_id text,
  emails              text[],
  phones              jsonb,
  city                text,
  country             text,
  tags                text[],
  custom_fields       jsonb,
  created_at          timestamptz,
  modified_at         timestamptz,
  raw                 jsonb,
  deleted_at          timestamptz,
  content_hash        bytea       NOT NULL,
  first_synced_at     timestamptz NOT NULL DEFAULT now(),
  synced_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_contacts_company_idx ON crm_contacts (company_external_id);
CREATE INDEX crm_contacts_modified_at_idx ON crm_contacts (modified_at);

COMMENT ON TABLE crm_contacts IS
  'People in the Clevertim CRM (/contact).';
COMMENT ON COLUMN crm_contacts.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_contacts.external_id IS
  'The contact''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_contacts.first_name IS
  'First name of the contact.';
COMMENT ON COLUMN crm_contacts.last_name IS
  'Last name of the contact.';
COMMENT ON COLUMN crm_contacts.title IS
  'Job title of the contact.';
COMMENT ON COLUMN crm_contacts.company_external_id IS
  'Clevertim id of the company the contact works for; joins to crm_companies.external_id within the same source.';
COMMENT ON COLUMN crm_contacts.emails IS
  'E-mail addresses of the contact.';
COMMENT ON COLUMN crm_contacts.phones IS
  'Phone numbers as Clevertim returns them (JSON array of number and type objects).';
COMMENT ON COLUMN crm_contacts.city IS
  'City from the contact''s address.';
COMMENT ON COLUMN crm_contacts.country IS
  'Country from the contact''s address.';
COMMENT ON COLUMN crm_contacts.tags IS
  'Tag labels attached to the contact in Clevertim.';
COMMENT ON COLUMN crm_contacts.custom_fields IS
  'Clevertim custom field values (JSON), keyed as the API returns them.';
COMMENT ON COLUMN crm_contacts.created_at IS
  'When the contact was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_contacts.modified_at IS
  'When the contact was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_contacts.raw IS
  'The complete contact object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_contacts.deleted_at IS
  'When the contact vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_contacts.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_contacts.first_synced_at IS
  'When sluice first stored this contact (UTC).';
COMMENT ON COLUMN crm_contacts.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_companies
------------------------------------------------------------------------------------------------
CREATE TABLE crm_companies (
  source          text        NOT NULL,
  external_id     text        NOT NULL,
  name            text,
  emails          text[],
  phones          jsonb,
  city            text,
  country         text,
  tags            text[],
  custom_fields   jsonb,
  created_at      timestamptz,
  modified_at     timestamptz,
  raw             jsonb,
  deleted_at      timestamptz,
  content_hash    bytea       NOT NULL,
  first_synced_at timestamptz NOT NULL DEFAULT now(),
  synced_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_companies_modified_at_idx ON crm_companies (modified_at);

COMMENT ON TABLE crm_companies IS
  'Companies (organisations) in the Clevertim CRM (/company).';
COMMENT ON COLUMN crm_companies.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_companies.external_id IS
  'The company''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_companies.name IS
  'Company name.';
COMMENT ON COLUMN crm_companies.emails IS
  'E-mail addresses of the company.';
COMMENT ON COLUMN crm_companies.phones IS
  'Phone numbers as Clevertim returns them (JSON array of number and type objects).';
COMMENT ON COLUMN crm_companies.city IS
  'City from the company''s address.';
COMMENT ON COLUMN crm_companies.country IS
  'Country from the company''s address.';
COMMENT ON COLUMN crm_companies.tags IS
  'Tag labels attached to the company in Clevertim.';
COMMENT ON COLUMN crm_companies.custom_fields IS
  'Clevertim custom field values (JSON), keyed as the API returns them.';
COMMENT ON COLUMN crm_companies.created_at IS
  'When the company was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_companies.modified_at IS
  'When the company was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_companies.raw IS
  'The complete company object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_companies.deleted_at IS
  'When the company vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_companies.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_companies.first_synced_at IS
  'When sluice first stored this company (UTC).';
COMMENT ON COLUMN crm_companies.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_cases
------------------------------------------------------------------------------------------------
CREATE TABLE crm_cases (
  source               text        NOT NULL,
  external_id          text        NOT NULL,
  name                 text,
  description          text,
  customer_external_id text,
  lead_user            text,
  tags                 text[],
  custom_fields        jsonb,
  created_at           timestamptz,
  modified_at          timestamptz,
  raw                  jsonb,
  deleted_at           timestamptz,
  content_hash         bytea       NOT NULL,
  first_synced_at      timestamptz NOT NULL DEFAULT now(),
  synced_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_cases_customer_idx ON crm_cases (customer_external_id);
CREATE INDEX crm_cases_modified_at_idx ON crm_cases (modified_at);

COMMENT ON TABLE crm_cases IS
  'Cases (projects, support matters) in the Clevertim CRM (/case).';
COMMENT ON COLUMN crm_cases.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_cases.external_id IS
  'The case''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_cases.name IS
  'Case name.';
COMMENT ON COLUMN crm_cases.description IS
  'Free-text description of the case.';
COMMENT ON COLUMN crm_cases.customer_external_id IS
  'Clevertim id of the customer (a contact or company) the case belongs to; joins to crm_contacts.external_id or crm_companies.external_id within the same source.';
COMMENT ON COLUMN crm_cases.lead_user IS
  'Clevertim user responsible for the case, as the API identifies them.';
COMMENT ON COLUMN crm_cases.tags IS
  'Tag labels attached to the case in Clevertim.';
COMMENT ON COLUMN crm_cases.custom_fields IS
  'Clevertim custom field values (JSON), keyed as the API returns them.';
COMMENT ON COLUMN crm_cases.created_at IS
  'When the case was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_cases.modified_at IS
  'When the case was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_cases.raw IS
  'The complete case object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_cases.deleted_at IS
  'When the case vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_cases.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_cases.first_synced_at IS
  'When sluice first stored this case (UTC).';
COMMENT ON COLUMN crm_cases.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_opportunities
------------------------------------------------------------------------------------------------
CREATE TABLE crm_opportunities (
  source               text        NOT NULL,
  external_id          text        NOT NULL,
  name                 text,
  description          text,
  status               text,
  value                numeric,
  currency             text,
  customer_external_id text,
  lead_user            text,
  tags                 text[],
  custom_fields        jsonb,
  created_at           timestamptz,
  modified_at          timestamptz,
  raw                  jsonb,
  deleted_at           timestamptz,
  content_hash         bytea       NOT NULL,
  first_synced_at      timestamptz NOT NULL DEFAULT now(),
  synced_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_opportunities_customer_idx ON crm_opportunities (customer_external_id);
CREATE INDEX crm_opportunities_modified_at_idx ON crm_opportunities (modified_at);

COMMENT ON TABLE crm_opportunities IS
  'Sales opportunities (deals) in the Clevertim CRM (/opportunity).';
COMMENT ON COLUMN crm_opportunities.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_opportunities.external_id IS
  'The opportunity''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_opportunities.name IS
  'Opportunity name.';
COMMENT ON COLUMN crm_opportunities.description IS
  'Free-text description of the opportunity.';
COMMENT ON COLUMN crm_opportunities.status IS
  'Pipeline status of the opportunity in Clevertim (e.g. open, won, lost); values are the vendor''s own.';
COMMENT ON COLUMN crm_opportunities.value IS
  'Expected deal value, in the unit given by currency (not converted).';
COMMENT ON COLUMN crm_opportunities.currency IS
  'Currency of value, as Clevertim reports it (e.g. "EUR", "USD").';
COMMENT ON COLUMN crm_opportunities.customer_external_id IS
  'Clevertim id of the customer (a contact or company) of the deal; joins to crm_contacts.external_id or crm_companies.external_id within the same source.';
COMMENT ON COLUMN crm_opportunities.lead_user IS
  'Clevertim user responsible for the opportunity, as the API identifies them.';
COMMENT ON COLUMN crm_opportunities.tags IS
  'Tag labels attached to the opportunity in Clevertim.';
COMMENT ON COLUMN crm_opportunities.custom_fields IS
  'Clevertim custom field values (JSON), keyed as the API returns them.';
COMMENT ON COLUMN crm_opportunities.created_at IS
  'When the opportunity was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_opportunities.modified_at IS
  'When the opportunity was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_opportunities.raw IS
  'The complete opportunity object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_opportunities.deleted_at IS
  'When the opportunity vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_opportunities.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_opportunities.first_synced_at IS
  'When sluice first stored this opportunity (UTC).';
COMMENT ON COLUMN crm_opportunities.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_tasks
------------------------------------------------------------------------------------------------
CREATE TABLE crm_tasks (
  source                  text        NOT NULL,
  external_id             text        NOT NULL,
  name                    text,
  type                    text,
  starts_at               timestamptz,
  ends_at                 timestamptz,
  completed               boolean,
  case_external_id        text,
  opportunity_external_id text,
  customer_external_id    text,
  created_at              timestamptz,
  modified_at             timestamptz,
  raw                     jsonb,
  deleted_at              timestamptz,
  content_hash            bytea       NOT NULL,
  first_synced_at         timestamptz NOT NULL DEFAULT now(),
  synced_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_tasks_starts_at_idx ON crm_tasks (starts_at);
CREATE INDEX crm_tasks_modified_at_idx ON crm_tasks (modified_at);

COMMENT ON TABLE crm_tasks IS
  'Tasks (to-dos, calls, meetings) in the Clevertim CRM (/task).';
COMMENT ON COLUMN crm_tasks.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_tasks.external_id IS
  'The task''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_tasks.name IS
  'Task name.';
COMMENT ON COLUMN crm_tasks.type IS
  'Task type as Clevertim reports it (e.g. call, meeting, to-do).';
COMMENT ON COLUMN crm_tasks.starts_at IS
  'When the task is scheduled to start (UTC).';
COMMENT ON COLUMN crm_tasks.ends_at IS
  'When the task is scheduled to end or is due (UTC).';
COMMENT ON COLUMN crm_tasks.completed IS
  'true once the task was marked done in Clevertim.';
COMMENT ON COLUMN crm_tasks.case_external_id IS
  'Clevertim id of the related case; joins to crm_cases.external_id within the same source.';
COMMENT ON COLUMN crm_tasks.opportunity_external_id IS
  'Clevertim id of the related opportunity; joins to crm_opportunities.external_id within the same source.';
COMMENT ON COLUMN crm_tasks.customer_external_id IS
  'Clevertim id of the related customer (a contact or company).';
COMMENT ON COLUMN crm_tasks.created_at IS
  'When the task was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_tasks.modified_at IS
  'When the task was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_tasks.raw IS
  'The complete task object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_tasks.deleted_at IS
  'When the task vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_tasks.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_tasks.first_synced_at IS
  'When sluice first stored this task (UTC).';
COMMENT ON COLUMN crm_tasks.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- crm_notes
------------------------------------------------------------------------------------------------
CREATE TABLE crm_notes (
  source                  text        NOT NULL,
  external_id             text        NOT NULL,
  body                    text,
  case_external_id        text,
  opportunity_external_id text,
  customer_external_id    text,
  created_at              timestamptz,
  modified_at             timestamptz,
  raw                     jsonb,
  deleted_at              timestamptz,
  content_hash            bytea       NOT NULL,
  first_synced_at         timestamptz NOT NULL DEFAULT now(),
  synced_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX crm_notes_customer_idx ON crm_notes (customer_external_id);
CREATE INDEX crm_notes_modified_at_idx ON crm_notes (modified_at);

COMMENT ON TABLE crm_notes IS
  'Notes written in the Clevertim CRM (/note) about customers, cases or opportunities.';
COMMENT ON COLUMN crm_notes.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_notes.external_id IS
  'The note''s id in Clevertim, as text. Unique within a source.';
COMMENT ON COLUMN crm_notes.body IS
  'Text of the note.';
COMMENT ON COLUMN crm_notes.case_external_id IS
  'Clevertim id of the related case; joins to crm_cases.external_id within the same source.';
COMMENT ON COLUMN crm_notes.opportunity_external_id IS
  'Clevertim id of the related opportunity; joins to crm_opportunities.external_id within the same source.';
COMMENT ON COLUMN crm_notes.customer_external_id IS
  'Clevertim id of the related customer (a contact or company).';
COMMENT ON COLUMN crm_notes.created_at IS
  'When the note was created in Clevertim (UTC).';
COMMENT ON COLUMN crm_notes.modified_at IS
  'When the note was last modified in Clevertim (UTC).';
COMMENT ON COLUMN crm_notes.raw IS
  'The complete note object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_notes.deleted_at IS
  'When the note vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_notes.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_notes.first_synced_at IS
  'When sluice first stored this note (UTC).';
COMMENT ON COLUMN crm_notes.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- Bookkeeping
------------------------------------------------------------------------------------------------
COMMENT ON TABLE schema_migrations IS
  'Schema migrations applied to this schema by sluice, one row per migration file. Managed by sluice migrate; do not edit.';
COMMENT ON COLUMN schema_migrations.version IS
  'Migration number (the NNNN of schema/NNNN_name.sql).';
COMMENT ON COLUMN schema_migrations.name IS
  'Migration name (the name part of schema/NNNN_name.sql).';
COMMENT ON COLUMN schema_migrations.checksum IS
  'SHA-256 (hex) of the migration''s SQL as applied; sluice refuses to run if the file it carries differs.';
COMMENT ON COLUMN schema_migrations.applied_at IS
  'When the migration was applied (UTC).';

CREATE TABLE sync_state (
  source     text        NOT NULL,
  stream     text        NOT NULL,
  cursor     jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, stream)
);

COMMENT ON TABLE sync_state IS
  'Where each stream''s incremental sync will resume: one cursor per source and stream, committed in the same transaction as the rows it covers. sluice reset deletes rows here.';
COMMENT ON COLUMN sync_state.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN sync_state.stream IS
  'Stream of the source, e.g. "reviews" or "businesses".';
COMMENT ON COLUMN sync_state.cursor IS
  'The stream''s high-water mark as JSON, e.g. the largest update_date committed (UTC). Its shape depends on the source.';
COMMENT ON COLUMN sync_state.updated_at IS
  'When the cursor last moved (UTC).';

CREATE TABLE sync_runs (
  id            bigserial   PRIMARY KEY,
  source        text        NOT NULL,
  stream        text        NOT NULL,
  mode          text        NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  status        text        NOT NULL DEFAULT 'running',
  records       bigint      NOT NULL DEFAULT 0,
  inserted      bigint      NOT NULL DEFAULT 0,
  updated       bigint      NOT NULL DEFAULT 0,
  deleted       bigint      NOT NULL DEFAULT 0,
  warnings      bigint      NOT NULL DEFAULT 0,
  requests      bigint      NOT NULL DEFAULT 0,
  throttled     bigint      NOT NULL DEFAULT 0,
  retries       bigint      NOT NULL DEFAULT 0,
  first_warning text,
  error_kind    text,
  error         text
);
CREATE INDEX sync_runs_stream_idx ON sync_runs (source, stream, id DESC);
CREATE INDEX sync_runs_started_at_idx ON sync_runs (started_at);

COMMENT ON TABLE sync_runs IS
  'History of sync runs: one row per run of one stream (incremental, full or backfill), with its outcome and counts. Good for freshness and error dashboards.';
COMMENT ON COLUMN sync_runs.id IS
  'Run number, increasing over time.';
COMMENT ON COLUMN sync_runs.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN sync_runs.stream IS
  'Stream of the source that ran, e.g. "reviews".';
COMMENT ON COLUMN sync_runs.mode IS
  'Kind of run: incremental (from the cursor), full (complete re-read, detects deletions) or backfill (a historical range).';
COMMENT ON COLUMN sync_runs.started_at IS
  'When the run started (UTC).';
COMMENT ON COLUMN sync_runs.finished_at IS
  'When the run ended (UTC); NULL while running or if the process died during the run.';
COMMENT ON COLUMN sync_runs.status IS
  'running, succeeded, failed, or suspicious (a complete re-read would have deleted too many rows, so nothing was deleted).';
COMMENT ON COLUMN sync_runs.records IS
  'Records received from the API during the run (unchanged ones included).';
COMMENT ON COLUMN sync_runs.inserted IS
  'Rows that did not exist before and were added.';
COMMENT ON COLUMN sync_runs.updated IS
  'Existing rows whose content changed and were rewritten (unchanged rows are not counted).';
COMMENT ON COLUMN sync_runs.deleted IS
  'Rows newly marked deleted (deleted at the source, or missing from a complete re-read).';
COMMENT ON COLUMN sync_runs.warnings IS
  'Records stored with a field that could not be used (that typed column left NULL; the value stays in raw).';
COMMENT ON COLUMN sync_runs.requests IS
  'HTTP requests sent to the API during the run, retries included.';
COMMENT ON COLUMN sync_runs.throttled IS
  'HTTP 429 (rate limited) answers received during the run.';
COMMENT ON COLUMN sync_runs.retries IS
  'Requests repeated after a transient failure (timeouts, 5xx, 429).';
COMMENT ON COLUMN sync_runs.first_warning IS
  'Description of the first warning of the run, as an example; NULL without warnings.';
COMMENT ON COLUMN sync_runs.error_kind IS
  'Class of the failure when status is failed: network, timeout, throttled, auth, client, server, data, cancelled, config or database.';
COMMENT ON COLUMN sync_runs.error IS
  'Error message of a failed run (never contains credentials).';

CREATE TABLE leases (
  source     text        PRIMARY KEY,
  holder     text        NOT NULL,
  expires_at timestamptz NOT NULL
);

COMMENT ON TABLE leases IS
  'Which sluice process currently works on each source, so several instances never sync the same source at once. A lease past expires_at is free.';
COMMENT ON COLUMN leases.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN leases.holder IS
  'The process holding the lease, as "<hostname>:<pid>" or the configured instance name.';
COMMENT ON COLUMN leases.expires_at IS
  'When the lease runs out unless renewed (UTC); renewed every few seconds while the holder lives.';

CREATE TABLE backfill_jobs (
  id         bigserial   PRIMARY KEY,
  source     text        NOT NULL,
  stream     text        NOT NULL,
  since      timestamptz,
  until      timestamptz,
  status     text        NOT NULL DEFAULT 'pending',
  progress   jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  error      text
);
CREATE INDEX backfill_jobs_source_idx ON backfill_jobs (source, stream, id DESC);

COMMENT ON TABLE backfill_jobs IS
  'Historical re-reads requested with sluice backfill, one row per source and stream range. A backfill never moves the live cursor.';
COMMENT ON COLUMN backfill_jobs.id IS
  'Job number, increasing over time.';
COMMENT ON COLUMN backfill_jobs.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN backfill_jobs.stream IS
  'Stream being backfilled, e.g. "reviews".';
COMMENT ON COLUMN backfill_jobs.since IS
  'Start of the requested range (UTC, inclusive); NULL means from the beginning of the data.';
COMMENT ON COLUMN backfill_jobs.until IS
  'End of the requested range (UTC, exclusive); NULL means up to now.';
COMMENT ON COLUMN backfill_jobs.status IS
  'pending, running, succeeded or failed.';
COMMENT ON COLUMN backfill_jobs.progress IS
  'Where the job has got to (JSON, e.g. the last committed position), so an interrupted backfill resumes there.';
COMMENT ON COLUMN backfill_jobs.created_at IS
  'When the backfill was requested (UTC).';
COMMENT ON COLUMN backfill_jobs.updated_at IS
  'When the job last made progress or changed status (UTC).';
COMMENT ON COLUMN backfill_jobs.error IS
  'Error message when the job failed (never contains credentials).';

------------------------------------------------------------------------------------------------
-- Views for BI tools
------------------------------------------------------------------------------------------------
CREATE VIEW review_daily_stats AS
SELECT
  (r.created_at AT TIME ZONE 'UTC')::date AS day,
  r.source,
  r.provider,
  r.platform,
  r.business_external_id,
  count(*)                                  AS reviews,
  count(r.rating)                           AS rated_reviews,
  avg(r.rating)                             AS average_rating,
  count(*) FILTER (WHERE r.reply_content IS NOT NULL) AS replied_reviews
FROM reviews r
WHERE r.deleted_at IS NULL AND r.created_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

COMMENT ON VIEW review_daily_stats IS
  'Live (not deleted) reviews per UTC day of writing, source, provider, platform and business, with average rating and reply counts.';
COMMENT ON COLUMN review_daily_stats.day IS
  'Calendar day (UTC) on which the reviews were written (reviews.created_at).';
COMMENT ON COLUMN review_daily_stats.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN review_daily_stats.provider IS
  'Review aggregator: cloutly or partoo.';
COMMENT ON COLUMN review_daily_stats.platform IS
  'Review site (google, facebook, tripadvisor, ...).';
COMMENT ON COLUMN review_daily_stats.business_external_id IS
  'Vendor id of the business reviewed; joins to businesses.external_id within the same source.';
COMMENT ON COLUMN review_daily_stats.reviews IS
  'Number of reviews written that day.';
COMMENT ON COLUMN review_daily_stats.rated_reviews IS
  'Number of those reviews that carry a star rating.';
COMMENT ON COLUMN review_daily_stats.average_rating IS
  'Average star rating of the rated reviews of that day (NULL when none was rated).';
COMMENT ON COLUMN review_daily_stats.replied_reviews IS
  'Number of those reviews that have a public reply from the business.';

CREATE VIEW stream_latest_runs AS
SELECT DISTINCT ON (source, stream)
  source, stream, id AS run_id, mode, status, started_at, finished_at,
  records, inserted, updated, deleted, warnings, error_kind, error
FROM sync_runs
ORDER BY source, stream, id DESC;

COMMENT ON VIEW stream_latest_runs IS
  'The most recent run of every source and stream: a freshness and health overview.';
COMMENT ON COLUMN stream_latest_runs.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN stream_latest_runs.stream IS
  'Stream of the source, e.g. "reviews".';
COMMENT ON COLUMN stream_latest_runs.run_id IS
  'sync_runs.id of the latest run.';
COMMENT ON COLUMN stream_latest_runs.mode IS
  'incremental, full or backfill.';
COMMENT ON COLUMN stream_latest_runs.status IS
  'running, succeeded, failed or suspicious.';
COMMENT ON COLUMN stream_latest_runs.started_at IS
  'When the latest run started (UTC).';
COMMENT ON COLUMN stream_latest_runs.finished_at IS
  'When the latest run ended (UTC); NULL while running.';
COMMENT ON COLUMN stream_latest_runs.records IS
  'Records received from the API in the latest run.';
COMMENT ON COLUMN stream_latest_runs.inserted IS
  'Rows added by the latest run.';
COMMENT ON COLUMN stream_latest_runs.updated IS
  'Rows changed by the latest run.';
COMMENT ON COLUMN stream_latest_runs.deleted IS
  'Rows newly marked deleted by the latest run.';
COMMENT ON COLUMN stream_latest_runs.warnings IS
  'Records of the latest run stored with an unusable field.';
COMMENT ON COLUMN stream_latest_runs.error_kind IS
  'Class of the failure when the latest run failed.';
COMMENT ON COLUMN stream_latest_runs.error IS
  'Error message when the latest run failed.';
