#pragma once
// The data tables of DESIGN.md section 5. schema/0001_init.sql creates them; a store test checks
// that these descriptions and the migrated database agree column by column.
#include <span>
#include <string_view>

#include "core/table.hpp"

namespace sluice::tables {

extern const table_def reviews;
extern const table_def businesses;
extern const table_def cloudapp_items;
extern const table_def crm_contacts;
extern const table_def crm_companies;
extern const table_def crm_cases;
extern const table_def crm_opportunities;
extern const table_def crm_tasks;
extern const table_def crm_notes;
extern const table_def crm_custom_fields;  // Clevertim's customfield definitions (names for cf keys)

std::span<const table_def* const> all();
const table_def* find(std::string_view name) noexcept;

}  // namespace sluice::tables
