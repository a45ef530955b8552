#pragma once
// How the CloudApp items stream pages through its two listings: the rule as a small state object
// applied page by page. No I/O: the connector fetches, this decides what to fetch next.
//
// CloudApp has no change feed and no modified-since filter, so every run is a snapshot: all
// pages of GET /items (live), then all pages of GET /items?deleted=true (trash). Each listing
// ends at its first EMPTY page. A short page proves nothing: the maximum `per_page` is
// undocumented and a server may silently answer fewer than asked (pages of 30 for 100), so
// `page` is simply counted up until a page comes back empty. Pages are numbered by the server's
// page size, whatever it is, so a capped size loses nothing.
//
// Changes during the walk: an item trashed meanwhile may show up in both listings; its trash row
// is written last and wins. A new upload pushes the live listing down by one: an item is re-read
// (the upsert absorbs it), none is skipped. A deletion or a trashing pulls later items up by one:
// the item that slid back across a page boundary is missed in this run and, once the snapshot
// completes, marked deleted until the next run reads it again (the row is never lost, and a mass
// disappearance is held back by the store's safety valve).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/cloudapp/mapping.hpp"
#include "core/record.hpp"
#include "core/time.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloudapp {

enum class listing { live, trash };

std::string_view to_string(listing which) noexcept;

// What we ask for; the server may answer fewer.
inline constexpr std::int64_t items_per_page = 100;

// Requests one listing may take, its empty page included, before the walk is stopped as a data
// error: a server that never answers an empty page would otherwise keep the stream busy forever
// (the limit is about 10 million items at 100 per page).
inline constexpr std::int64_t max_pages = 100'000;

// live: page=P&per_page=100; trash: deleted=true&page=P&per_page=100.
net::query_params items_query(listing which, std::int64_t page);

class items_walk {
public:
  // `trash_seen_at`: when this run reads the trash, the trashed_at of trash items that do not say
  // when they were trashed (mark_trashed).
  explicit items_walk(timestamp trash_seen_at, std::int64_t page_limit = max_pages)
      : trash_seen_at_(trash_seen_at), page_limit_(page_limit) {}

  bool done() const noexcept { return done_; }
  listing current() const noexcept { return listing_; }
  std::int64_t page() const noexcept { return page_; }  // from 1, within current()
  net::query_params query() const { return items_query(listing_, page_); }

  // Takes the answer to query(); returns the batch to write (none for the empty page that ends
  // a listing). After the live listing's empty page the trash listing starts at page 1; after
  // the trash listing's empty page the walk is done. Every item of the trash listing is
  // trashed (mark_trashed). Batches carry no cursor: a snapshot has none.
  // Throws sluice::error (kind data) when a page repeats the ids of the page before it (the
  // server ignores `page`) or a listing goes on beyond the page limit.
  std::optional<record_batch> on_page(std::vector<mapped_item> items);

  std::int64_t pages_read() const noexcept { return pages_read_; }  // empty pages included
  std::int64_t items_read() const noexcept { return items_read_; }

private:
  timestamp trash_seen_at_;
  std::int64_t page_limit_;
  listing listing_ = listing::live;
  std::int64_t page_ = 1;
  bool done_ = false;
  std::int64_t pages_read_ = 0;
  std::int64_t items_read_ = 0;
  std::vector<std::string> previous_ids_;
};

}  // namespace sluice::connectors::cloudapp
