#pragma once
// Clevertim's tables: one per CRM resource, and the custom field definitions that give the
// records' `cf` keys their names (for the crm_custom_field_values view).
#include "core/table.hpp"

namespace sluice::tables {

extern const table_def crm_contacts;
extern const table_def crm_companies;
extern const table_def crm_cases;
extern const table_def crm_opportunities;
extern const table_def crm_tasks;
extern const table_def crm_notes;
extern const table_def crm_custom_fields;

}  // namespace sluice::tables
