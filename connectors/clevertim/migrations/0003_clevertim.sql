-- sluice schema, version 3: Clevertim custom field definitions, a view that shows custom values by
-- field name, and the indexes BI joins between CRM tables need. Names are unqualified: the
-- migration runner sets search_path.

------------------------------------------------------------------------------------------------
-- crm_custom_fields
------------------------------------------------------------------------------------------------
-- Only the primary key: the view below looks definitions up by (source, external_id), which is
-- the key, and the index rule of 0001_init.sql forbids any other index leading with `source`.
CREATE TABLE crm_custom_fields (
  source          text        NOT NULL,
  external_id     text        NOT NULL,
  name            text,
  full_name       text,
  element_type    text,
  model_types     text[],
  multiple        boolean,
  allowed_values  jsonb,
  raw             jsonb,
  deleted_at      timestamptz,
  content_hash    bytea       NOT NULL,
  first_synced_at timestamptz NOT NULL DEFAULT now(),
  synced_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);

COMMENT ON TABLE crm_custom_fields IS
  'Custom field definitions of the Clevertim CRM (/customfield): the names behind the keys of custom_fields in crm_contacts, crm_companies, crm_cases and crm_opportunities. For values by field name use the view crm_custom_field_values.';
COMMENT ON COLUMN crm_custom_fields.source IS
  'Name of the configured sluice source this row came from (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_custom_fields.external_id IS
  'The custom field''s id in Clevertim, as text: the key under which records carry its value in their custom_fields column. Unique within a source.';
COMMENT ON COLUMN crm_custom_fields.name IS
  'Short name of the field as shown in Clevertim (the API''s "name").';
COMMENT ON COLUMN crm_custom_fields.full_name IS
  'Full (long) name of the field (the API''s "fullname").';
COMMENT ON COLUMN crm_custom_fields.element_type IS
  'Kind of input of the field, as Clevertim reports it (the API''s "elemType", e.g. a text box or a list of choices); values are the vendor''s own.';
COMMENT ON COLUMN crm_custom_fields.model_types IS
  'Kinds of record the field applies to, as Clevertim names them (the API''s "modelType").';
COMMENT ON COLUMN crm_custom_fields.multiple IS
  'true when a record may hold several values for this field (its value is then a JSON list).';
COMMENT ON COLUMN crm_custom_fields.allowed_values IS
  'The choices offered for the field (JSON list, the API''s "values"); empty or NULL for free-form fields.';
COMMENT ON COLUMN crm_custom_fields.raw IS
  'The complete custom field object exactly as the Clevertim API returned it (JSON).';
COMMENT ON COLUMN crm_custom_fields.deleted_at IS
  'When the field vanished from a complete re-read of Clevertim (UTC). NULL while it exists.';
COMMENT ON COLUMN crm_custom_fields.content_hash IS
  'Technical: hash of the mapped columns (raw included), used by sluice to skip unchanged rows.';
COMMENT ON COLUMN crm_custom_fields.first_synced_at IS
  'When sluice first stored this custom field (UTC).';
COMMENT ON COLUMN crm_custom_fields.synced_at IS
  'When sluice last wrote a change to this row (UTC); unchanged rows are not rewritten.';

------------------------------------------------------------------------------------------------
-- Indexes for BI joins between CRM tables
------------------------------------------------------------------------------------------------
-- 0001 already indexes crm_contacts (company_external_id), crm_cases/crm_opportunities/crm_notes
-- (customer_external_id). These complete the links tasks and notes have to cases, opportunities
-- and customers. None leads with `source` (see the index rule in 0001_init.sql).
CREATE INDEX crm_tasks_case_idx ON crm_tasks (case_external_id);
CREATE INDEX crm_tasks_opportunity_idx ON crm_tasks (opportunity_external_id);
CREATE INDEX crm_tasks_customer_idx ON crm_tasks (customer_external_id);
CREATE INDEX crm_notes_case_idx ON crm_notes (case_external_id);
CREATE INDEX crm_notes_opportunity_idx ON crm_notes (opportunity_external_id);

------------------------------------------------------------------------------------------------
-- Views for BI tools
------------------------------------------------------------------------------------------------
-- custom_fields is passed to jsonb_each only when it is a JSON object: jsonb_each raises an error
-- on anything else, and one odd record (an API that sends [] for "no custom fields") must not
-- make the whole view fail. A deleted definition no longer names its key, like a missing one.
CREATE VIEW crm_custom_field_values AS
SELECT
  v.source,
  v.record_table,
  v.record_external_id,
  v.field_external_id,
  f.name AS field_name,
  v.value,
  CASE jsonb_typeof(v.value)
    WHEN 'array' THEN (SELECT string_agg(e.element #>> '{}', ', ' ORDER BY e.position)
                       FROM jsonb_array_elements(v.value) WITH ORDINALITY AS e(element, position))
    ELSE v.value #>> '{}'
  END AS value_text
FROM (
  SELECT r.source, 'crm_contacts'::text AS record_table, r.external_id AS record_external_id,
         cf.key AS field_external_id, cf.value
  FROM crm_contacts r
  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.custom_fields) = 'object'
                                     THEN r.custom_fields END) AS cf
  WHERE r.deleted_at IS NULL
  UNION ALL
  SELECT r.source, 'crm_companies'::text, r.external_id, cf.key, cf.value
  FROM crm_companies r
  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.custom_fields) = 'object'
                                     THEN r.custom_fields END) AS cf
  WHERE r.deleted_at IS NULL
  UNION ALL
  SELECT r.source, 'crm_cases'::text, r.external_id, cf.key, cf.value
  FROM crm_cases r
  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.custom_fields) = 'object'
                                     THEN r.custom_fields END) AS cf
  WHERE r.deleted_at IS NULL
  UNION ALL
  SELECT r.source, 'crm_opportunities'::text, r.external_id, cf.key, cf.value
  FROM crm_opportunities r
  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.custom_fields) = 'object'
                                     THEN r.custom_fields END) AS cf
  WHERE r.deleted_at IS NULL
) v
LEFT JOIN crm_custom_fields f
  ON f.source = v.source AND f.external_id = v.field_external_id AND f.deleted_at IS NULL;

COMMENT ON VIEW crm_custom_field_values IS
  'Custom field values by their field names: one row per custom value of every live (not deleted) Clevertim contact, company, case and opportunity. Filter on field_name (or field_external_id) and join record_external_id to the table named in record_table within the same source.';
COMMENT ON COLUMN crm_custom_field_values.source IS
  'Name of the configured sluice source (the [sources.NAME] key in sluice.toml).';
COMMENT ON COLUMN crm_custom_field_values.record_table IS
  'Table holding the record: crm_contacts, crm_companies, crm_cases or crm_opportunities.';
COMMENT ON COLUMN crm_custom_field_values.record_external_id IS
  'Clevertim id of the record; joins to external_id of the table named in record_table, within the same source.';
COMMENT ON COLUMN crm_custom_field_values.field_external_id IS
  'Clevertim id of the custom field (the key in the record''s custom_fields); joins to crm_custom_fields.external_id within the same source.';
COMMENT ON COLUMN crm_custom_field_values.field_name IS
  'Name of the custom field (crm_custom_fields.name). NULL when the field''s definition was not synced or was deleted in Clevertim.';
COMMENT ON COLUMN crm_custom_field_values.value IS
  'The value exactly as Clevertim sent it (JSON: a string, number, true/false, a list for fields with several values, or null).';
COMMENT ON COLUMN crm_custom_field_values.value_text IS
  'The value as plain text for filtering and display: text without quotes, numbers and true/false as written, lists joined with ", " (empty lists and null give NULL).';
