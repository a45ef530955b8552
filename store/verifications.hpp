#pragma once
// The verifications table: one row per reconciliation of a stream (`sluice verify`, or the
// daemon every verify_interval), begun as 'running' and finished with its outcome and figures, so
// that a verification killed midway stays visible as one that never finished.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

struct verification {
  std::int64_t id = 0;
  std::string source;
  std::string stream;
  std::optional<timestamp> started_at;
  std::optional<timestamp> finished_at;
  std::string outcome;  // running | matched | repaired | drift | failed | unsupported
  std::optional<std::int64_t> api_count;
  std::optional<std::int64_t> table_count;
  std::int64_t ranges_probed = 0;
  std::int64_t ranges_drifted = 0;
  std::int64_t rows_repaired = 0;
  std::int64_t rows_deleted = 0;
  std::int64_t requests = 0;
  bool dry_run = false;
  std::string error;    // already free of secrets; empty: none
  std::string details;  // a JSON object's text; empty: none
};

class verification_store {
public:
  explicit verification_store(const database_options& db);  // throws sluice::error(kind database)
  ~verification_store();
  verification_store(const verification_store&) = delete;
  verification_store& operator=(const verification_store&) = delete;

  // Inserts a 'running' row; returns its id.
  std::int64_t begin(std::string_view source, std::string_view stream, bool dry_run);
  // Stores the outcome and figures of `v` (its id names the row) and finished_at = now().
  void finish(const verification& v);

  // The latest verification of the stream (by id), finished or not.
  std::optional<verification> latest(std::string_view source, std::string_view stream);
  // When the source's latest verification that was not a dry run finished; the daemon schedules
  // the next one verify_interval after it.
  std::optional<timestamp> last_finished(std::string_view source);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
