#pragma once
// CloudApp items -> rows of tables::cloudapp_items (its columns in schema/0001_init.sql). Pure: no
// I/O, so every field rule is unit-tested with the vendor's own examples
// (tests/fixtures/cloudapp/).
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/json_body.hpp"
#include "core/record.hpp"
#include "core/run_counters.hpp"

namespace sluice::connectors::cloudapp {

// An item as a row, plus its id (the walk compares pages by id).
struct mapped_item {
  row values;
  std::string id;  // external_id
};

// Items have no `id` field: the id is the last path segment of `href`
// ("http://my.cl.ly/items/3" -> "3"), ignoring a query, a fragment and trailing slashes.
// nullopt when there is no such segment ("", "http://my.cl.ly", "http://my.cl.ly/").
std::optional<std::string> id_from_href(std::string_view href);

// Throws sluice::error (kind data) for an item without a usable `href` (no key for its row).
// Every other unusable field becomes NULL with a warning (a date that does not parse, a
// view_counter that is not an integer); `raw` keeps the whole object. The API's `deleted_at`
// (the item is in the trash) is `trashed_at`; the row's deleted_at stays NULL: the store sets it
// for items that vanish from a complete snapshot. An item from the trash listing goes through
// mark_trashed too.
mapped_item map_item(const boost::json::object& item, run_counters& counters,
                     std::string_view text = {});

// Everything listed by GET /items?deleted=true is in the trash, whether or not it says when: an
// item without a usable `deleted_at` gets `seen_at` (when this run read the trash) as its
// trashed_at. The store keeps the first such time a row got (store/first_value.hpp), so the value
// is when sluice FIRST saw the item in the trash and does not change from run to run.
void mark_trashed(mapped_item& item, timestamp seen_at);

// One answer of GET /items: a bare JSON array of items. Throws sluice::error (kind data) for an
// unusable body or item, naming the source, the URL and the item's index.
std::vector<mapped_item> read_items_page(std::string_view body, std::string_view content_type,
                                         const body_origin& origin, run_counters& counters);

}  // namespace sluice::connectors::cloudapp
