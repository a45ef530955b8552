#pragma once
// The backfill_jobs table: one row per `sluice backfill` request and stream. Whoever holds the
// source's lease runs it (the daemon, or the backfill command itself when no daemon holds it);
// its progress commits with each batch (batch_writer, sink_options::backfill_job), so a job
// interrupted by a crash resumes where it stopped. Blocking; not for the I/O thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

struct backfill_job {
  std::int64_t id = 0;
  std::string source;
  std::string stream;
  std::optional<timestamp> since;       // inclusive; nullopt: from the beginning
  std::optional<timestamp> until;       // exclusive; nullopt: up to now
  std::string status;                   // pending | running | succeeded | failed
  std::optional<std::string> progress;  // JSON, the walk's position (as the connector wrote it)
  std::int64_t records = 0;             // rows written so far (all attempts)
  std::string holder;                   // who runs / ran it last
  std::string error;
  std::optional<timestamp> created_at, started_at, finished_at;
};

// "2024-01-01T00:00:00.000000Z to now" ("the beginning" for an open since), for messages.
std::string describe_range(const backfill_job& job);

class backfill_store {
public:
  explicit backfill_store(const database_options& db);  // throws sluice::error kind database
  ~backfill_store();
  backfill_store(const backfill_store&) = delete;
  backfill_store& operator=(const backfill_store&) = delete;

  // An unfinished (pending or running) job for exactly this source, stream and range, if any:
  // `sluice backfill` repeated after a crash resumes it instead of starting over.
  std::optional<backfill_job> find_unfinished(std::string_view source, std::string_view stream,
                                              std::optional<timestamp> since,
                                              std::optional<timestamp> until);
  // Inserts a pending job; returns it.
  backfill_job create(std::string_view source, std::string_view stream,
                      std::optional<timestamp> since, std::optional<timestamp> until);
  std::optional<backfill_job> get(std::int64_t id);

  // Unfinished jobs of these sources, oldest first (what a lease holder should run).
  std::vector<backfill_job> unfinished(const std::vector<std::string>& sources);
  // Every job of a source (newest first, at most `limit`), for status.
  std::vector<backfill_job> recent(std::string_view source, std::size_t limit);

  // status = running, holder, started_at (first start only), error cleared.
  void mark_running(std::int64_t id, std::string_view holder);
  // status = succeeded | failed, finished_at = now(), error (already free of secrets).
  void finish(std::int64_t id, bool succeeded, std::string_view error);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
