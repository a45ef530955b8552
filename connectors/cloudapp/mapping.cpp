#include "connectors/cloudapp/mapping.hpp"
#include "connectors/row_builder.hpp"

#include <cstdint>
#include <utility>

#include "core/error.hpp"
#include "connectors/cloudapp/tables.hpp"

namespace sluice::connectors::cloudapp {
namespace {

std::string item_id(const boost::json::object& item) {
  const auto* href = item.if_contains("href");
  std::optional<std::string> id;
  if (href != nullptr && href->is_string()) id = id_from_href(href->get_string());
  if (!id)
    throw error(error_kind::data, "cloudapp item without a usable href (" +
                                      (href == nullptr ? std::string("absent") : excerpt(*href)) +
                                      "), so it has no id: " + excerpt(boost::json::value(item)));
  return *id;
}

// view_counter: an integer (or an integral number or numeric string, which integer_member also
// accepts); anything else warns.
std::optional<std::int64_t> counter(const record_fields& fields, const boost::json::object& item,
                                    std::string_view key) {
  const auto* value = fields.find(key);
  if (value == nullptr) return std::nullopt;
  auto n = integer_member(item, key);
  if (!n) fields.warn(key, *value, "is not an integer");
  return n;
}

}  // namespace

std::optional<std::string> id_from_href(std::string_view href) {
  auto end = href.find_first_of("?#");
  if (end != std::string_view::npos) href = href.substr(0, end);
  // The path starts after the authority of an absolute URL ("http://my.cl.ly" has none).
  if (auto scheme = href.find("://"); scheme != std::string_view::npos) {
    auto path = href.find('/', scheme + 3);
    if (path == std::string_view::npos) return std::nullopt;
    href = href.substr(path);
  }
  while (!href.empty() && href.back() == '/') href.remove_suffix(1);
  auto segment = href.substr(href.rfind('/') + 1);  // npos + 1 == 0: a bare "3" is its own id
  if (segment.empty()) return std::nullopt;
  return std::string(segment);
}

mapped_item map_item(const boost::json::object& item, run_counters& counters,
                     std::string_view text) {
  std::string id = item_id(item);
  record_fields fields(item, "cloudapp item " + id, counters, text);

  row_builder out(tables::cloudapp_items);
  out.set("external_id", id);
  out.set("name", fields.text("name"));
  out.set("item_type", fields.text("item_type"));
  out.set("url", fields.text("url"));
  out.set("content_url", fields.text("content_url"));
  out.set("redirect_url", fields.text("redirect_url"));
  out.set("remote_url", fields.text("remote_url"));
  out.set("view_counter", counter(fields, item, "view_counter"));
  out.set("private", fields.boolean("private"));
  out.set("created_at", fields.time("created_at"));
  out.set("updated_at", fields.time("updated_at"));
  // Null unless the item is in the trash; trashed items stay live rows. The trash listing may
  // leave it out: mark_trashed fills it in then.
  out.set("trashed_at", fields.time("deleted_at"));
  out.set("raw", fields.raw());
  // deleted_at stays NULL: CloudApp reports no deletions; the snapshot finds them by absence,
  // and an item coming back clears the mark on upsert.
  return {out.take(), std::move(id)};
}

void mark_trashed(mapped_item& item, timestamp seen_at) {
  auto& trashed_at = item.values[tables::cloudapp_items.index("trashed_at")];
  if (std::holds_alternative<std::monostate>(trashed_at)) trashed_at = seen_at;
}

std::vector<mapped_item> read_items_page(std::string_view body, std::string_view content_type,
                                         const body_origin& origin, run_counters& counters) {
  auto items = parse_array_body(body, content_type, origin);
  // Each item's text as sent, so raw keeps numbers a double cannot hold.
  const auto texts = element_texts(body, "");
  std::vector<mapped_item> out;
  out.reserve(items.size());
  // The mapper knows the item, this loop knows where it came from: the message says both, once.
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto prefix = [&] { return describe(origin) + ": items[" + std::to_string(i) + "]"; };
    if (!items[i].is_object())
      throw error(error_kind::data, prefix() + " is not an object: " + excerpt(items[i]));
    try {
      out.push_back(map_item(items[i].get_object(), counters,
                             texts.size() == items.size() ? texts[i] : std::string_view()));
    } catch (const error& e) {
      throw error(e.kind(), prefix() + ": " + e.what());
    }
  }
  return out;
}

}  // namespace sluice::connectors::cloudapp
