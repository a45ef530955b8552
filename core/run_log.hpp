#pragma once
// Logging on behalf of one run of one stream: every line names the run (source, stream, and its
// sync_runs id or backfill job), as text `eu/reviews#42: ...`, as JSON fields, as journald fields
// (daemon/logging.hpp decides how). Header-only over spdlog, which every library that logs links.
//
// All runs of a process interleave as coroutines on one I/O thread, so "the current run" cannot
// be thread state for the length of a run: each run carries its run_log (stream_run::log) and
// logs through it. The tag is handed to the formatter for the length of one call only.
#include <cstdint>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

namespace sluice {

// Which run a line belongs to. An empty source: a line of no run (the daemon's own).
struct log_tag {
  log_tag() = default;
  log_tag(std::string source_name, std::string stream_name = {}, std::int64_t run_id = 0,
          std::int64_t backfill_job = 0)
      : source(std::move(source_name)),
        stream(std::move(stream_name)),
        run(run_id),
        backfill(backfill_job) {}

  std::string source;
  std::string stream;         // empty: a line about the whole source
  std::int64_t run = 0;       // sync_runs id; 0: none (not recorded yet, or a backfill)
  std::int64_t backfill = 0;  // backfill_jobs id: a backfill has no sync_runs row

  bool empty() const { return source.empty(); }
};

// The tag as text lines show it: "eu/reviews#42", "eu/reviews backfill#7", "eu/reviews", "eu".
inline std::string to_string(const log_tag& tag) {
  std::string text = tag.source;
  if (!tag.stream.empty()) text += '/' + tag.stream;
  if (tag.backfill != 0) text += " backfill#" + std::to_string(tag.backfill);
  if (tag.run != 0) text += '#' + std::to_string(tag.run);
  return text;
}

class run_log {
public:
  run_log() = default;  // untagged: lines look like spdlog::info's
  explicit run_log(log_tag tag) : tag_(std::move(tag)) {}

  const log_tag& tag() const { return tag_; }

  template <typename... Args>
  void log(spdlog::level::level_enum level, fmt::format_string<Args...> format,
           Args&&... args) const {
    // The default logger formats and writes inside this call, on this thread, and nothing in
    // between can suspend: the tag the formatter reads is this line's.
    const current_scope scope(tag_);
    spdlog::log(level, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) const {
    log(spdlog::level::debug, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const {
    log(spdlog::level::info, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) const {
    log(spdlog::level::warn, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    log(spdlog::level::err, format, std::forward<Args>(args)...);
  }

  // The tag of the line being written, for the formatter; nullptr for a line logged through
  // spdlog directly.
  static const log_tag* current() { return slot(); }

private:
  static const log_tag*& slot() {
    thread_local const log_tag* tag = nullptr;
    return tag;
  }
  class current_scope {
  public:
    explicit current_scope(const log_tag& tag) : previous_(slot()) { slot() = &tag; }
    ~current_scope() { slot() = previous_; }
    current_scope(const current_scope&) = delete;
    current_scope& operator=(const current_scope&) = delete;

  private:
    const log_tag* previous_;
  };

  log_tag tag_;
};

}  // namespace sluice
