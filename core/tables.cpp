#include "core/tables.hpp"

#include <stdexcept>
#include <string>

namespace sluice {

std::size_t table_def::index(std::string_view column_name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == column_name) return i;
  throw std::out_of_range("table " + std::string(name) + " has no column " +
                          std::string(column_name));
}

namespace tables {
namespace {
using t = column_type;
}

const table_def reviews{"reviews",
                        {{"external_id", t::text},
                         {"provider", t::text},
                         {"business_external_id", t::text},
                         {"platform", t::text},
                         {"author_name", t::text},
                         {"rating", t::numeric},
                         {"recommended", t::boolean},
                         {"title", t::text},
                         {"content", t::text},
                         {"status", t::text},
                         {"review_url", t::text},
                         {"reply_content", t::text},
                         {"reply_author", t::text},
                         {"reply_at", t::timestamptz},
                         {"tags", t::text_array},
                         {"created_at", t::timestamptz},
                         {"updated_at", t::timestamptz},
                         {"archived", t::boolean},
                         {"raw", t::jsonb},
                         {"deleted_at", t::timestamptz}}};

const table_def businesses{"businesses",
                           {{"external_id", t::text},
                            {"provider", t::text},
                            {"name", t::text},
                            {"platforms", t::text_array},
                            {"address", t::text},
                            {"city", t::text},
                            {"zipcode", t::text},
                            {"country", t::text},
                            {"status", t::text},
                            {"raw", t::jsonb},
                            {"deleted_at", t::timestamptz}}};

const table_def cloudapp_items{"cloudapp_items",
                               {{"external_id", t::text},
                                {"name", t::text},
                                {"item_type", t::text},
                                {"url", t::text},
                                {"content_url", t::text},
                                {"redirect_url", t::text},
                                {"remote_url", t::text},
                                {"view_counter", t::bigint},
                                {"private", t::boolean},
                                {"created_at", t::timestamptz},
                                {"updated_at", t::timestamptz},
                                {"trashed_at", t::timestamptz},
                                {"raw", t::jsonb},
                                {"deleted_at", t::timestamptz}}};

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

// Not in DESIGN.md section 5's list: the definitions that give Clevertim's `cf` keys their names,
// so that a view can show custom values by field name.
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

namespace {
const table_def* const all_tables[] = {&reviews,       &businesses,        &cloudapp_items,
                                       &crm_contacts,  &crm_companies,     &crm_cases,
                                       &crm_opportunities, &crm_tasks,     &crm_notes,
                                       &crm_custom_fields};
}

std::span<const table_def* const> all() { return all_tables; }

const table_def* find(std::string_view name) noexcept {
  for (auto* t : all_tables)
    if (t->name == name) return t;
  return nullptr;
}

}  // namespace tables
}  // namespace sluice
