#pragma once
// The table side of a verification (`sluice verify`): what a connector may learn about the rows
// sluice holds for one source, and the one write that is not an upsert: marking the rows of a
// re-read span that the API no longer returns. The store implements it (through the daemon, off
// the I/O thread); connectors see only this interface, as they see only `sink` for writes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/table.hpp"
#include "core/time.hpp"

namespace sluice {

// Which rows a count selects, so that it counts what the API's own count counts.
enum class row_presence {
  // deleted_at IS NULL: what an API lists when it leaves deleted records out.
  live,
  // Live, or deleted at the source (the API still lists it, flagged deleted): every row except
  // those sluice marked deleted because the API stopped returning them (see mark_vanished).
  listed,
};

// Instants, both inclusive; an absent end is open.
struct time_span {
  std::optional<timestamp> from;
  std::optional<timestamp> to;
  bool operator==(const time_span&) const = default;
};

struct vanish_request {
  const table_def* table = nullptr;
  // The column the spans bound ("updated_at"); empty: the spans must be one open span, the
  // whole table of the source.
  std::string time_column{};
  // The spans re-read; each is judged by the safety valve on its own.
  std::vector<time_span> spans{};
  row_presence presence = row_presence::live;
  // Every id the API returned for the span (and any other id known to exist, e.g. read later).
  std::vector<std::string> seen{};
  // The database's clock (table_census::clock) when the re-read began. Rows written after it
  // were written from answers newer than the re-read: they are never marked.
  timestamp read_started{};
  double max_delete_fraction = 0.5;
  // Count only: what would be marked (before the valve), nothing changes.
  bool count_only = false;
};

// Sums over the spans.
struct vanish_result {
  std::int64_t rows = 0;      // rows of the spans selected by the presence
  std::int64_t vanished = 0;  // of those, not seen and not written since read_started
  std::int64_t deleted = 0;   // rows whose deleted_at was set now (live before)
  std::int64_t held = 0;      // spans where the safety valve held: nothing marked there
  bool suspicious = false;    // held > 0
  std::string reason{};       // why, for the first span held
};

class table_census {
public:
  virtual ~table_census() = default;

  // The values of `column` (a timestamptz column of `table`) of this source's rows selected by
  // `presence`, ascending; rows where it is NULL are left out.
  virtual boost::asio::awaitable<std::vector<timestamp>> times(const table_def& table,
                                                               std::string column,
                                                               row_presence presence) = 0;

  // This source's rows of `table` selected by `presence`.
  virtual boost::asio::awaitable<std::int64_t> count(const table_def& table,
                                                     row_presence presence) = 0;

  // The database's now(), for vanish_request::read_started.
  virtual boost::asio::awaitable<timestamp> clock() = 0;

  // In ONE transaction: the rows of each span (selected by the presence) that are neither in
  // `seen` nor written since read_started are marked vanished: live ones get deleted_at = now();
  // all of them are recorded as vanished so that `listed` stops counting them, until the record
  // comes back (any later write of the row undoes the mark). Seen ids lose any earlier mark.
  // The safety valve of snapshots applies to each span: when none of its rows was seen while it
  // has rows, or more than max_delete_fraction of its rows vanished, nothing of that span is
  // marked. Throws sluice::error (kind cancelled when the source's lease was lost).
  virtual boost::asio::awaitable<vanish_result> mark_vanished(vanish_request request) = 0;
};

}  // namespace sluice
