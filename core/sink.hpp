#pragma once
// Where a connector's rows go. The store implements it with a writer thread; connectors see only
// this interface, so they never touch the database and can be tested with any sink.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/record.hpp"

namespace sluice {

struct write_totals {
  std::int64_t records = 0;   // rows handed to the sink
  std::int64_t inserted = 0;  // rows that did not exist
  std::int64_t updated = 0;   // rows whose content changed (unchanged rows are not written)
  std::int64_t deleted = 0;   // rows marked deleted (source deletions and snapshot absences)
  // Set by complete_snapshot() when the safety valve held: nothing was deleted, the run is
  // recorded as `suspicious`, and `suspicious_reason` says why (for the warning log line).
  bool suspicious = false;
  std::string suspicious_reason{};
};

// What a completed snapshot found (docs/architecture.md, "Sync semantics").
struct snapshot_result {
  std::int64_t seen = 0;         // distinct ids written during the snapshot
  std::int64_t live_before = 0;  // live rows of (source, table) before marking
  std::int64_t vanished = 0;     // live rows not seen
  std::int64_t deleted = 0;      // rows marked deleted now (0 when the valve held)
  bool suspicious = false;       // the safety valve held
  std::string reason;            // why, when suspicious
};

class sink {
public:
  virtual ~sink() = default;

  // Hands over rows and the cursor they advance. Resumes as soon as the writer's bounded queue
  // has room, so fetching the next page overlaps the commit of this one. A commit failure of an
  // earlier batch of this stream is rethrown here (as sluice::error, kind database).
  virtual boost::asio::awaitable<void> write(record_batch batch) = 0;

  // Resumes when every batch written so far has committed; throws the first commit failure.
  virtual boost::asio::awaitable<write_totals> flush() = 0;

  // What the commits so far did (inserted, updated, deleted; records counts rows handed over),
  // also after a failure, when flush() throws: a failed run still reports what it kept.
  virtual write_totals committed() const { return {}; }

  // Snapshot streams (every id the source has is read in one run). After begin_snapshot, the ids
  // of every row written are remembered durably, committed with their batch. `resume` keeps the
  // ids remembered by an earlier, interrupted run of the same stream (a resumed walk); otherwise
  // they are forgotten first.
  virtual boost::asio::awaitable<void> begin_snapshot(bool resume) = 0;

  // Call only when the whole snapshot arrived without error. Flushes, then in ONE transaction:
  // live rows of this source in this table that were not seen get deleted_at = now(), unless
  // that would be more than `max_delete_fraction` of them or nothing was seen while rows exist
  // (the safety valve: nothing is deleted, result.suspicious); the remembered ids are forgotten;
  // `cursor_after`, when set, is stored. The totals returned by later flush() calls include the
  // deletions and the suspicious flag.
  virtual boost::asio::awaitable<snapshot_result> complete_snapshot(
      double max_delete_fraction, std::optional<std::string> cursor_after = std::nullopt) = 0;
};

}  // namespace sluice
