#include "connectors/cloudapp/walk.hpp"

#include <utility>

#include "core/error.hpp"
#include "connectors/cloudapp/tables.hpp"

namespace sluice::connectors::cloudapp {

std::string_view to_string(listing which) noexcept {
  return which == listing::live ? "live" : "trash";
}

net::query_params items_query(listing which, std::int64_t page) {
  net::query_params params;
  if (which == listing::trash) params.emplace_back("deleted", "true");
  params.emplace_back("page", std::to_string(page));
  params.emplace_back("per_page", std::to_string(items_per_page));
  return params;
}

std::optional<record_batch> items_walk::on_page(std::vector<mapped_item> items) {
  if (done_) throw error(error_kind::data, "cloudapp items: a page after the walk ended");
  ++pages_read_;

  if (items.empty()) {
    if (listing_ == listing::live) {
      listing_ = listing::trash;
      page_ = 1;
    } else {
      done_ = true;
    }
    previous_ids_.clear();
    return std::nullopt;
  }

  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.id);
  // Consecutive pages never share all their items, even while items are added or trashed
  // during the walk; a page repeating the one before was served from the same place.
  if (ids == previous_ids_)
    throw error(error_kind::data,
                "cloudapp items: " + std::string(to_string(listing_)) + " page " +
                    std::to_string(page_) +
                    " repeats the items of the page before; the server ignores `page`, stopping");
  if (page_ >= page_limit_)
    throw error(error_kind::data, "cloudapp items: the " + std::string(to_string(listing_)) +
                                      " listing has items on page " + std::to_string(page_) +
                                      " and no end in sight within " + std::to_string(page_limit_) +
                                      " pages, stopping");
  previous_ids_ = std::move(ids);
  items_read_ += static_cast<std::int64_t>(items.size());
  ++page_;

  record_batch batch{&tables::cloudapp_items, {}, std::nullopt};
  batch.rows.reserve(items.size());
  for (auto& item : items) {
    // The listing, not the item's fields, says whether it is in the trash.
    if (listing_ == listing::trash) mark_trashed(item, trash_seen_at_);
    batch.rows.push_back(std::move(item.values));
  }
  return batch;
}

}  // namespace sluice::connectors::cloudapp
