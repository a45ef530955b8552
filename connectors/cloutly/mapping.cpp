#include "connectors/cloutly/mapping.hpp"
#include "connectors/row_builder.hpp"

#include <initializer_list>
#include <utility>

#include "core/error.hpp"
#include "connectors/review_tables.hpp"

namespace sluice::connectors::cloutly {
namespace {

std::string lower(std::string text) {
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// The first of `keys` holding a string (a present non-string warns and is passed over).
std::optional<std::string> first_text(const record_fields& fields,
                                      std::initializer_list<std::string_view> keys) {
  for (auto key : keys)
    if (auto value = fields.text(key)) return value;
  return std::nullopt;
}

// `response` is null while a review has no reply, else {name, date: "YYYY-MM-DD", comment}.
void set_reply(row_builder& out, const record_fields& fields) {
  const auto* response = fields.find("response");
  if (response == nullptr) return;
  if (!response->is_object()) {
    fields.warn("response", *response, "is not a reply object");
    return;
  }
  auto reply = fields.nested(response->get_object(), "response");
  out.set("reply_content", reply.text("comment"));
  out.set("reply_author", reply.text("name"));
  out.set("reply_at", reply.time("date"));  // a bare date is midnight UTC
}

// `sources`, lower-cased like reviews.platform so the two join. Odd elements are skipped with a
// warning: the other platforms are still worth keeping.
std::optional<std::vector<std::string>> platforms(const record_fields& fields) {
  const auto* sources = fields.find("sources");
  if (sources == nullptr) return std::nullopt;
  if (!sources->is_array()) {
    fields.warn("sources", *sources, "is not an array");
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& source : sources->get_array()) {
    if (source.is_string()) {
      names.push_back(lower(std::string(source.get_string())));
    } else {
      fields.warn("sources", source, "is not a platform name");
    }
  }
  return names;
}

// Cloutly documents no location fields ("more fields undocumented"). Flat strings are read where
// present; an `address` object fills what the flat fields left empty.
void set_location(row_builder& out, const record_fields& fields) {
  std::optional<std::string> address, city, zipcode, country;
  const auto* address_value = fields.find("address");
  if (address_value != nullptr && address_value->is_string())
    address = std::string(address_value->get_string());
  city = fields.text("city");
  zipcode = first_text(fields, {"zipcode", "zip", "postalCode"});
  country = fields.text("country");

  if (address_value != nullptr && address_value->is_object()) {
    auto nested = fields.nested(address_value->get_object(), "address");
    if (!address) address = first_text(nested, {"formatted", "street", "line1", "address"});
    if (!city) city = nested.text("city");
    if (!zipcode) zipcode = first_text(nested, {"zipcode", "zip", "postalCode", "postcode"});
    if (!country) country = first_text(nested, {"country", "countryCode"});
  } else if (address_value != nullptr && !address_value->is_string()) {
    fields.warn("address", *address_value, "is neither a string nor an object");
  }
  out.set("address", std::move(address));
  out.set("city", std::move(city));
  out.set("zipcode", std::move(zipcode));
  out.set("country", std::move(country));
}

// Runs `map` over every element of a list, naming the element's place in any failure: the mapper
// knows the record, the list knows where it came from; the message says both, once.
// `texts` are the elements as sent (element_texts), for raw.
template <class Map>
auto map_list(const boost::json::array& items, const std::vector<std::string_view>& texts,
              const body_origin& origin, std::string_view list, Map map) {
  std::vector<decltype(map(std::declval<const boost::json::object&>(), std::string_view()))> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto prefix = [&] {
      return describe(origin) + ": " + std::string(list) + "[" + std::to_string(i) + "]";
    };
    if (!items[i].is_object())
      throw error(error_kind::data, prefix() + " is not an object: " + excerpt(items[i]));
    try {
      out.push_back(
          map(items[i].get_object(), texts.size() == items.size() ? texts[i] : std::string_view()));
    } catch (const error& e) {
      throw error(e.kind(), prefix() + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

mapped_review map_review(const boost::json::object& review, run_counters& counters,
                         std::string_view text) {
  std::string id = required_id(review, "cloutly review");
  record_fields fields(review, "cloutly review " + id, counters, text);

  const auto* created_value = fields.find("createdAt");
  auto created_at = created_value == nullptr ? std::nullopt : timestamp_value(*created_value);
  if (!created_at)
    throw error(error_kind::data,
                fields.label() + ": createdAt " +
                    (created_value == nullptr ? std::string("absent") : excerpt(*created_value)) +
                    " is not a timestamp; the walk orders and stops by it, so the review cannot "
                    "be stored");

  auto platform = fields.indexed_text("source");
  if (platform) platform = lower(std::move(*platform));

  row_builder out(tables::reviews);
  out.set("external_id", id);
  out.set("provider", std::string("cloutly"));
  out.set("business_external_id", fields.id("businessId"));
  out.set("platform", std::move(platform));
  out.set("author_name", first_text(fields, {"authorName", "name"}));
  out.set("rating", fields.number_text("rating"));  // "5": Cloutly sends ratings as strings
  // recommended, title: Cloutly has neither.
  out.set("content", fields.text("text"));
  out.set("status", fields.text("status"));
  out.set("review_url", fields.text("reviewUrl"));
  set_reply(out, fields);
  // tags: Cloutly has none.
  out.set("created_at", *created_at);
  out.set("updated_at", fields.time("updatedAt"));
  out.set("archived", fields.boolean("isArchived"));
  out.set("raw", fields.raw());
  // deleted_at stays NULL: Cloutly marks no deletions; full walks find them by absence, and a
  // review coming back clears the mark on upsert.
  return {out.take(), std::move(id), *created_at};
}

row map_business(const boost::json::object& business, run_counters& counters,
                 std::string_view text) {
  std::string id = required_id(business, "cloutly business");
  record_fields fields(business, "cloutly business " + id, counters, text);

  row_builder out(tables::businesses);
  out.set("external_id", id);
  out.set("provider", std::string("cloutly"));
  out.set("name", fields.indexed_text("name"));
  out.set("platforms", platforms(fields));
  set_location(out, fields);
  out.set("status", fields.text("status"));
  out.set("raw", fields.raw());
  // deleted_at stays NULL: the snapshot finds deletions by absence.
  return out.take();
}

reviews_page read_reviews_page(std::string_view body, std::string_view content_type,
                               const body_origin& origin, run_counters& counters) {
  auto answer = parse_object_body(body, content_type, origin);
  const auto& items = array_member(answer, "reviews", origin);
  reviews_page page;
  page.total = integer_member(answer, "total");
  page.records = map_list(items, element_texts(body, "reviews"), origin, "reviews",
                          [&](const boost::json::object& review, std::string_view text) {
                            return map_review(review, counters, text);
                          });
  return page;
}

std::vector<row> read_businesses(std::string_view body, std::string_view content_type,
                                 const body_origin& origin, run_counters& counters) {
  auto items = parse_array_body(body, content_type, origin);
  return map_list(items, element_texts(body, ""), origin, "businesses",
                  [&](const boost::json::object& business, std::string_view text) {
                    return map_business(business, counters, text);
                  });
}

}  // namespace sluice::connectors::cloutly
