#include "fakeapi/partoo/query.hpp"

#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/timestamp.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::fakeapi::partoo {
namespace {

// The comma-separated list of state__in; every element must be a state the API knows.
std::optional<std::vector<std::string>> states_param(const request& req,
                                                     error_fields& field_errors) {
  const auto text = req.param("state__in");
  if (!text) return std::nullopt;
  std::vector<std::string> states;
  std::string_view rest = *text;
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (std::find(known_states.begin(), known_states.end(), item) == known_states.end()) {
      field_errors["state__in"] = "Not a valid choice: '" + std::string(item) + "'.";
      return std::nullopt;
    }
    states.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return states;
}

// per_page and order_by.
void read_page_shape(const request& req, error_fields& field_errors, review_query& q) {
  if (const auto text = req.param("per_page")) {
    const auto value = parse_int(*text);
    if (!value) {
      field_errors["per_page"] = "Not a valid integer.";
    } else if (*value < 1 || *value > 100) {
      field_errors["per_page"] = "Must be between 1 and 100.";
    } else {
      q.per_page = *value;
    }
  }
  if (const auto text = req.param("order_by")) {
    if (*text == "update_date") {
      q.ordering = review_order::ascending;
    } else if (*text == "-update_date") {
      q.ordering = review_order::descending;
    } else {
      field_errors["order_by"] = "Must be one of: update_date, -update_date.";
    }
  }
}

}  // namespace

std::string errors_json_field(const error_fields& errors) {
  json_writer w;
  w.begin_object().key("errors").begin_object().key("json").begin_object();
  for (const auto& [field, message] : errors)
    w.key(field).begin_array().string(message).end_array();
  w.end_object().end_object().end_object();
  return w.take();
}

// Page numbers: an integer from `first` on (1, or 0 where pages count from 0), default `first`.
std::int64_t page_param(const request& req, error_fields& field_errors, std::int64_t first) {
  const auto text = req.param("page");
  if (!text) return first;
  const auto value = parse_int(*text);
  if (!value) {
    field_errors["page"] = "Not a valid integer.";
  } else if (*value < first) {
    field_errors["page"] = "Must be greater than or equal to " + std::to_string(first) + ".";
  } else {
    return *value;
  }
  return first;
}

// GET /reviews's parameters; a 400 reply_error naming every bad one.
review_query parse_review_query(const request& req) {
  error_fields field_errors;
  review_query q;
  q.page = page_param(req, field_errors, 1);
  read_page_shape(req, field_errors, q);
  for (const auto& [name, bound] :
       {std::pair{"update_date__gte", &q.gte}, std::pair{"update_date__lte", &q.lte}}) {
    if (const auto text = req.param(name)) {
      *bound = parse_naive_utc(*text);
      if (!*bound) field_errors[name] = "Not a valid datetime.";
    }
  }
  q.states = states_param(req, field_errors);
  if (!field_errors.empty()) throw reply_error(json_reply(400, errors_json_field(field_errors)));
  return q;
}

}  // namespace sluice::fakeapi::partoo
