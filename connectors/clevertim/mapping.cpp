#include "connectors/clevertim/mapping.hpp"
#include "connectors/row_builder.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "connectors/clevertim/tables.hpp"

namespace sluice::connectors::clevertim {
namespace {

const resource_info all_resources[] = {
    {"contact", &tables::crm_contacts},
    {"company", &tables::crm_companies},
    {"case", &tables::crm_cases},
    {"opportunity", &tables::crm_opportunities},
    {"task", &tables::crm_tasks},
    {"note", &tables::crm_notes},
    {"customfield", &tables::crm_custom_fields},
};

// A problem with part of a value that is otherwise kept (one odd element of a list).
void warn_kept(const record_fields& fields, std::string_view key, const boost::json::value& part,
               std::string_view problem) {
  fields.counters().warn(fields.label() + ": " + std::string(key) + " element " + excerpt(part) +
                         " " + std::string(problem) + "; skipped, raw keeps it");
}

// A link to another record. 0 (or "0") is no link: Clevertim's ids start at 1.
std::optional<std::string> link(const record_fields& fields, std::string_view key) {
  auto id = fields.id(key);
  if (id && *id == "0") return std::nullopt;
  return id;
}

// A list of strings (`tags`, `modelType`, `email`). An element that is not a string is skipped
// with a warning; with `value_objects`, an object's string `value` member counts as the string
// (e-mail entries as objects). A bare string is a one-element list.
std::optional<std::vector<std::string>> strings(const record_fields& fields, std::string_view key,
                                                bool value_objects = false) {
  const auto* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return std::vector<std::string>{std::string(value->get_string())};
  if (!value->is_array()) {
    fields.warn(key, *value, "is not a list");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& element : value->get_array()) {
    if (element.is_string()) {
      out.emplace_back(element.get_string());
      continue;
    }
    if (value_objects && element.is_object()) {
      const auto* inner = element.get_object().if_contains("value");
      if (inner != nullptr && inner->is_string()) {
        out.emplace_back(inner->get_string());
        continue;
      }
      warn_kept(fields, key, element, "has no string `value`");
      continue;
    }
    warn_kept(fields, key, element, "is not a string");
  }
  return out;
}

// A member kept as jsonb when it has the expected shape (an array or an object).
std::optional<std::string> json_of(const record_fields& fields, std::string_view key,
                                   boost::json::kind expected) {
  const auto* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  if (value->kind() != expected) {
    fields.warn(key, *value,
                expected == boost::json::kind::array ? "is not a list" : "is not an object");
    return std::nullopt;
  }
  return fields.json(key);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A decimal sent as a string ("4500", "12.50") or a number. An empty string is no value.
std::optional<std::string> decimal(const record_fields& fields, std::string_view key) {
  const auto* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    auto text = trim(value->get_string());
    if (text.empty()) return std::nullopt;
    if (auto literal = decimal_text(boost::json::value(text))) return literal;
    fields.warn(key, *value, "is not a decimal number");
    return std::nullopt;
  }
  return fields.number_text(key);
}

// `{y, mo, d, h, mi}`, a wall-clock time of the account's zone. Every part is needed: a date
// without its time is not an instant.
std::optional<timestamp> split_time(const record_fields& fields, std::string_view key,
                                    const account_zone& zone) {
  const auto* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    fields.warn(key, *value, "is not a {y, mo, d, h, mi} object");
    return std::nullopt;
  }
  const auto& parts = value->get_object();
  auto y = integer_member(parts, "y");
  auto mo = integer_member(parts, "mo");
  auto d = integer_member(parts, "d");
  auto h = integer_member(parts, "h");
  auto mi = integer_member(parts, "mi");
  if (!y || !mo || !d || !h || !mi) {
    fields.warn(key, *value, "is incomplete (needs integers y, mo, d, h, mi)");
    return std::nullopt;
  }
  using namespace std::chrono;
  const bool in_range = *y >= 1 && *y <= 9999 && *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= 31 &&
                        *h >= 0 && *h <= 23 && *mi >= 0 && *mi <= 59;
  const year_month_day calendar_day{year{static_cast<int>(in_range ? *y : 0)},
                                    month{static_cast<unsigned>(in_range ? *mo : 0)},
                                    day{static_cast<unsigned>(in_range ? *d : 0)}};
  if (!in_range || !calendar_day.ok()) {
    fields.warn(key, *value, "is not a valid date and time");
    return std::nullopt;
  }
  const date::local_seconds wall{sys_days{calendar_day}.time_since_epoch() + hours{*h} +
                                 minutes{*mi}};
  return zone.to_utc(wall);
}

// The columns every resource with custom fields shares, and raw.
void set_common(row_builder& out, const record_fields& fields) {
  out.set("tags", strings(fields, "tags"));
  out.set("custom_fields", json_of(fields, "cf", boost::json::kind::object));
  out.set("created_at", fields.time("ao"));
  out.set("modified_at", fields.time("lm"));
  out.set("raw", fields.raw());
}

// Contacts and companies: the same record shape, told apart by is_company.
void check_listing(const record_fields& fields, bool company_list) {
  auto is_company = fields.boolean("is_company");
  if (!is_company || *is_company == company_list) return;
  fields.counters().warn(fields.label() + ": is_company is " + (*is_company ? "true" : "false") +
                         " in the " + (company_list ? "company" : "contact") + " list; stored as " +
                         (company_list ? "a company" : "a contact") + " where it was listed");
}

void set_person_or_company(row_builder& out, const record_fields& fields) {
  out.set("emails", strings(fields, "email", true));
  out.set("phones", json_of(fields, "phones", boost::json::kind::array));
  out.set("city", fields.text("city"));
  out.set("country", fields.text("country"));
}

}  // namespace

std::span<const resource_info> resources() { return all_resources; }

const resource_info* find_resource(std::string_view name) noexcept {
  for (const auto& r : all_resources)
    if (r.name == name) return &r;
  return nullptr;
}

row map_contact(const boost::json::object& record, run_counters& counters, std::string_view text) {
  auto id = required_id(record, "clevertim contact");
  record_fields fields(record, "clevertim contact " + id, counters, text);
  check_listing(fields, false);
  row_builder out(tables::crm_contacts);
  out.set("external_id", id);
  out.set("first_name", fields.text("fn"));
  out.set("last_name", fields.text("ln"));
  out.set("title", fields.text("title"));
  out.set("company_external_id", link(fields, "companyId"));
  set_person_or_company(out, fields);
  set_common(out, fields);
  return out.take();
}

row map_company(const boost::json::object& record, run_counters& counters, std::string_view text) {
  auto id = required_id(record, "clevertim company");
  record_fields fields(record, "clevertim company " + id, counters, text);
  check_listing(fields, true);
  row_builder out(tables::crm_companies);
  out.set("external_id", id);
  out.set("name", fields.text("cn"));
  set_person_or_company(out, fields);
  set_common(out, fields);
  return out.take();
}

row map_case(const boost::json::object& record, run_counters& counters, std::string_view text) {
  auto id = required_id(record, "clevertim case");
  record_fields fields(record, "clevertim case " + id, counters, text);
  row_builder out(tables::crm_cases);
  out.set("external_id", id);
  out.set("name", fields.text("name"));
  out.set("description", fields.text("description"));
  out.set("customer_external_id", link(fields, "cust"));
  out.set("lead_user", link(fields, "leadUser"));
  set_common(out, fields);
  return out.take();
}

row map_opportunity(const boost::json::object& record, run_counters& counters,
                    std::string_view text) {
  auto id = required_id(record, "clevertim opportunity");
  record_fields fields(record, "clevertim opportunity " + id, counters, text);
  row_builder out(tables::crm_opportunities);
  out.set("external_id", id);
  out.set("name", fields.text("name"));
  out.set("description", fields.text("description"));
  out.set("status", fields.text("status"));
  out.set("value", decimal(fields, "value"));
  out.set("currency", fields.text("currency"));
  out.set("customer_external_id", link(fields, "cust"));
  out.set("lead_user", link(fields, "leadUser"));
  set_common(out, fields);
  return out.take();
}

row map_task(const boost::json::object& record, run_counters& counters, const account_zone& zone,
             std::string_view text) {
  auto id = required_id(record, "clevertim task");
  record_fields fields(record, "clevertim task " + id, counters, text);
  row_builder out(tables::crm_tasks);
  out.set("external_id", id);
  out.set("name", fields.text("name"));
  out.set("type", fields.text("atype"));
  out.set("starts_at", split_time(fields, "startDate", zone));
  out.set("ends_at", split_time(fields, "endDate", zone));
  out.set("completed", fields.boolean("is_completed"));
  out.set("case_external_id", link(fields, "case"));
  out.set("opportunity_external_id", link(fields, "opp"));
  out.set("customer_external_id", link(fields, "cust"));
  auto created = fields.time("ao");
  auto modified = fields.time("lm");
  out.set("created_at", created);
  out.set("modified_at", modified);
  out.set("raw", fields.raw());
  // The source says the task is deleted: the deletion is at its last modification. A task that
  // comes back with is_deleted false is live again (the upsert clears deleted_at).
  if (fields.boolean("is_deleted").value_or(false)) {
    if (auto when = modified ? modified : created) {
      out.set("deleted_at", *when);
    } else {
      counters.warn(fields.label() +
                    ": is_deleted is true but neither lm nor ao gives a time; "
                    "stored as live, raw keeps it");
    }
  }
  return out.take();
}

row map_note(const boost::json::object& record, run_counters& counters, std::string_view text) {
  auto id = required_id(record, "clevertim note");
  record_fields fields(record, "clevertim note " + id, counters, text);
  row_builder out(tables::crm_notes);
  out.set("external_id", id);
  out.set("body", fields.text("desc"));
  out.set("case_external_id", link(fields, "case"));
  out.set("opportunity_external_id", link(fields, "opportunity"));
  out.set("customer_external_id", link(fields, "cust"));
  out.set("created_at", fields.time("ao"));
  out.set("modified_at", fields.time("lm"));
  out.set("raw", fields.raw());
  return out.take();
}

row map_custom_field(const boost::json::object& record, run_counters& counters,
                     std::string_view text) {
  auto id = required_id(record, "clevertim customfield");
  record_fields fields(record, "clevertim customfield " + id, counters, text);
  row_builder out(tables::crm_custom_fields);
  out.set("external_id", id);
  out.set("name", fields.text("name"));
  out.set("full_name", fields.text("fullname"));
  out.set("element_type", fields.text("elemType"));
  out.set("model_types", strings(fields, "modelType"));
  out.set("multiple", fields.boolean("multiple"));
  out.set("allowed_values", json_of(fields, "values", boost::json::kind::array));
  out.set("raw", fields.raw());
  return out.take();
}

row map_record(const resource_info& resource, const boost::json::object& record,
               run_counters& counters, const account_zone& zone, std::string_view text) {
  const auto* table = resource.table;
  if (table == &tables::crm_contacts) return map_contact(record, counters, text);
  if (table == &tables::crm_companies) return map_company(record, counters, text);
  if (table == &tables::crm_cases) return map_case(record, counters, text);
  if (table == &tables::crm_opportunities) return map_opportunity(record, counters, text);
  if (table == &tables::crm_tasks) return map_task(record, counters, zone, text);
  if (table == &tables::crm_notes) return map_note(record, counters, text);
  if (table == &tables::crm_custom_fields) return map_custom_field(record, counters, text);
  throw error(error_kind::config, "clevertim has no resource '" + std::string(resource.name) + "'");
}

row map_element(const resource_info& resource, const boost::json::value& element, std::size_t index,
                const body_origin& origin, run_counters& counters, const account_zone& zone,
                std::string_view text) {
  // The mapper knows the record, this function knows where it came from: the message says both.
  const auto prefix = [&] { return describe(origin) + ": content[" + std::to_string(index) + "]"; };
  if (!element.is_object())
    throw error(error_kind::data, prefix() + " is not an object: " + excerpt(element));
  try {
    return map_record(resource, element.get_object(), counters, zone, text);
  } catch (const error& e) {
    throw error(e.kind(), prefix() + ": " + e.what());
  }
}

void check_envelope(const boost::json::object& members, const body_origin& origin,
                    unsigned http_status) {
  const auto* status = members.if_contains("status");
  if (status != nullptr && status->is_string() && status->get_string() == "OK") return;
  if (status != nullptr && status->is_string() && status->get_string() == "ERROR") {
    const auto* text = members.if_contains("error");
    std::string why = text == nullptr     ? std::string("(no error text)")
                      : text->is_string() ? std::string(text->get_string())
                                          : excerpt(*text);
    throw error(error_kind::client,
                describe(origin) + ": HTTP " + std::to_string(http_status) +
                    " with status ERROR: Clevertim error: " + why,
                http_status);
  }
  throw error(error_kind::data,
              describe(origin) + ": answer has " +
                  (status == nullptr ? std::string("no status") : "status " + excerpt(*status)) +
                  ", expected \"OK\" or \"ERROR\"",
              http_status);
}

}  // namespace sluice::connectors::clevertim
