#include "connectors/connector.hpp"

#include "core/error.hpp"

namespace sluice::connectors {

std::vector<stream_spec> connector::streams() const {
  std::vector<stream_spec> specs;
  for (const auto& s : streams_) specs.push_back(s->spec());
  return specs;
}

stream& connector::find(const std::string& source, std::string_view name) const {
  std::string names;
  for (const auto& s : streams_) {
    if (s->spec().name == name) return *s;
    names += (names.empty() ? "" : ", ") + s->spec().name;
  }
  throw error(error_kind::config, "source '" + source + "': " + kind_ + " has no stream '" +
                                      std::string(name) + "' (streams: " + names + ")");
}

boost::asio::awaitable<write_totals> connector::run(stream_run& run) {
  stream& s = find(run.source.name, run.stream);
  // A snapshot under a backfill's name would mark everything outside the range deleted.
  if (run.backfill && !s.spec().backfill)
    throw error(error_kind::config, "source '" + run.source.name + "': " + kind_ + " " +
                                        run.stream + " cannot be backfilled (every sync reads " +
                                        "it whole)");
  auto held_back = co_await s.pull(run);
  auto totals = co_await run.out.flush();
  if (held_back) {
    // Recorded like a snapshot held back by the store's safety valve: a suspicious run.
    totals.suspicious = true;
    totals.suspicious_reason = std::move(*held_back);
  }
  co_return totals;
}

std::optional<timestamp> connector::cursor_time(std::string_view stream,
                                                const std::string& cursor) const {
  for (const auto& s : streams_)
    if (s->spec().name == stream) return s->cursor_time(cursor);
  return std::nullopt;
}

boost::asio::awaitable<verify_report> connector::verify(verify_run& run) {
  co_return co_await find(run.source.name, run.stream).verify(run);
}

// Not a failure: a snapshot stream proves itself complete on every run (every id is read, and
// what is missing is marked deleted behind the safety valve), and a count would add nothing.
boost::asio::awaitable<verify_report> stream::verify(verify_run& run) {
  (void)run;
  verify_report report;
  report.outcome = verify_outcome::unsupported;
  report.note = spec().mode == stream_mode::snapshot
                    ? "snapshot stream: every run reads it whole and marks what vanished"
                    : "the API reports no count for this stream";
  co_return report;
}

}  // namespace sluice::connectors
