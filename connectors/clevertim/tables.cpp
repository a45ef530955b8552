#include "connectors/clevertim/tables.hpp"

namespace sluice::tables {
namespace {
using t = column_type;
}

const table_def crm_contacts{"crm_contacts",
                             {{"external_id", t::text},
                              {"first_name", t::text},
                              {"last_name", t::text},
                              {"title", t::text},
                              {"company_external_id", t::text},
                              {"emails", t::text_array},
                              {"phones", t::jsonb},
                              {"city", t::text},
                              {"country", t::text},
                              {"tags", t::text_array},
                              {"custom_fields", t::jsonb},
                              {"created_at", t::timestamptz},
                              {"modified_at", t::timestamptz},
                              {"raw", t::jsonb},
                              {"deleted_at", t::timestamptz}}};

const table_def crm_companies{"crm_companies",
                              {{"external_id", t::text},
                               {"name", t::text},
                               {"emails", t::text_array},
                               {"phones", t::jsonb},
                               {"city", t::text},
                               {"country", t::text},
                               {"tags", t::text_array},
                               {"custom_fields", t::jsonb},
                               {"created_at", t::timestamptz},
                               {"modified_at", t::timestamptz},
                               {"raw", t::jsonb},
                               {"deleted_at", t::timestamptz}}};

const table_def crm_cases{"crm_cases",
                          {{"external_id", t::text},
                           {"name", t::text},
                           {"description", t::text},
                           {"customer_external_id", t::text},
                           {"lead_user", t::text},
                           {"tags", t::text_array},
                           {"custom_fields", t::jsonb},
                           {"created_at", t::timestamptz},
                           {"modified_at", t::timestamptz},
                           {"raw", t::jsonb},
                           {"deleted_at", t::timestamptz}}};

const table_def crm_opportunities{"crm_opportunities",
                                  {{"external_id", t::text},
                                   {"name", t::text},
                                   {"description", t::text},
                                   {"status", t::text},
                                   {"value", t::numeric},
                                   {"currency", t::text},
                                   {"customer_external_id", t::text},
                                   {"lead_user", t::text},
                                   {"tags", t::text_array},
                                   {"custom_fields", t::jsonb},
                                   {"created_at", t::timestamptz},
                                   {"modified_at", t::timestamptz},
                                   {"raw", t::jsonb},
                                   {"deleted_at", t::timestamptz}}};

const table_def crm_tasks{"crm_tasks",
                          {{"external_id", t::text},
                           {"name", t::text},
                           {"type", t::text},
                           {"starts_at", t::timestamptz},
                           {"ends_at", t::timestamptz},
                           {"completed", t::boolean},
                           {"case_external_id", t::text},
                           {"opportunity_external_id", t::text},
                           {"customer_external_id", t::text},
                           {"created_at", t::timestamptz},
                           {"modified_at", t::timestamptz},
                           {"raw", t::jsonb},
                           {"deleted_at", t::timestamptz}}};

const table_def crm_notes{"crm_notes",
                          {{"external_id", t::text},
                           {"body", t::text},
                           {"case_external_id", t::text},
                           {"opportunity_external_id", t::text},
                           {"customer_external_id", t::text},
                           {"created_at", t::timestamptz},
                           {"modified_at", t::timestamptz},
                           {"raw", t::jsonb},
                           {"deleted_at", t::timestamptz}}};

// The definitions that give Clevertim's `cf` keys their names, so that a view can show custom
// values by field name.
const table_def crm_custom_fields{"crm_custom_fields",
                                  {{"external_id", t::text},
                                   {"name", t::text},
                                   {"full_name", t::text},
                                   {"element_type", t::text},
                                   {"model_types", t::text_array},
                                   {"multiple", t::boolean},
                                   {"allowed_values", t::jsonb},
                                   {"raw", t::jsonb},
                                   {"deleted_at", t::timestamptz}}};

}  // namespace sluice::tables
