#pragma once
// Clevertim records -> rows of the crm_* tables (the crm tables in schema/0001_init.sql). Pure: no
// I/O, so every field rule is unit-tested with the vendor's own examples
// (tests/fixtures/clevertim/).
//
// Common rules: external_id is `id` (a record without a usable id fails the run: its row would
// have no key); `ao` (added on) is created_at and `lm` (last modified) modified_at; `cf` (custom
// field values keyed by customfield id) is custom_fields as jsonb, NULL when absent; `tags` are
// text[]; links to other records (`cust`, `case`, `opp`, `companyId`, `leadUser`) are id text,
// and 0 is no link (Clevertim's ids start at 1; its own Python client reads 0 as none). Every
// other unusable value becomes NULL with a warning, and `raw` keeps the whole object.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <span>
#include <string_view>

#include "connectors/clevertim/account_zone.hpp"
#include "connectors/json_body.hpp"
#include "core/record.hpp"
#include "core/run_counters.hpp"
#include "core/table.hpp"

namespace sluice::connectors::clevertim {

// A resource of the API: its path segment (also the stream's name) and its table.
struct resource_info {
  std::string_view name;
  const table_def* table;
};

// contact, company, case, opportunity, task, note, customfield.
std::span<const resource_info> resources();
const resource_info* find_resource(std::string_view name) noexcept;

// Contacts and companies share one id space and one record shape told apart by `is_company`.
// A record in the other's list is still stored where it was listed, with a warning.
row map_contact(const boost::json::object& record, run_counters& counters,
                std::string_view text = {});
row map_company(const boost::json::object& record, run_counters& counters,
                std::string_view text = {});
row map_case(const boost::json::object& record, run_counters& counters, std::string_view text = {});
// `value` is a decimal in a string ("4500"): numeric text, or NULL with a warning when it is not
// a decimal number; an empty string is no value.
row map_opportunity(const boost::json::object& record, run_counters& counters,
                    std::string_view text = {});
// `startDate`/`endDate` are `{y, mo, d, h, mi}` (month 1..12): wall-clock times of the account's
// zone (the API gives no zone), converted to instants by `zone` (account_zone.hpp says how
// daylight-saving gaps and overlaps are read); null is no date, an incomplete or impossible one
// is NULL with a warning. `ao` and `lm` carry their own `Z` and are not converted.
// `is_deleted: true` means the source deleted the task: deleted_at = `lm` (or `ao` without it).
row map_task(const boost::json::object& record, run_counters& counters,
             const account_zone& zone = account_zone::utc(), std::string_view text = {});
row map_note(const boost::json::object& record, run_counters& counters, std::string_view text = {});
row map_custom_field(const boost::json::object& record, run_counters& counters,
                     std::string_view text = {});

// The mapper of `resource` (one of resources()); `zone` reads task dates (map_task).
// `text` is the record as sent (list_body_reader::text()), so raw keeps numbers exactly.
row map_record(const resource_info& resource, const boost::json::object& record,
               run_counters& counters, const account_zone& zone = account_zone::utc(),
               std::string_view text = {});

// Element `index` of an answer's `content` list as a row. Throws sluice::error (kind data)
// naming the source, the URL and the index for an element that is not an object or has no
// usable id.
row map_element(const resource_info& resource, const boost::json::value& element, std::size_t index,
                const body_origin& origin, run_counters& counters,
                const account_zone& zone = account_zone::utc(), std::string_view text = {});

// Checks Clevertim's envelope before any record is used: `"status":"OK"` passes. `"ERROR"`
// throws sluice::error kind client with the vendor's `error` text (the API answered, but refused
// the request); a missing or unknown status throws kind data.
void check_envelope(const boost::json::object& members, const body_origin& origin,
                    unsigned http_status);

}  // namespace sluice::connectors::clevertim
