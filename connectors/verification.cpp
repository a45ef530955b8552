#include "connectors/verification.hpp"

#include "connectors/connector.hpp"

namespace sluice::connectors {

std::string_view to_string(verify_outcome outcome) noexcept {
  switch (outcome) {
    case verify_outcome::matched: return "matched";
    case verify_outcome::repaired: return "repaired";
    case verify_outcome::drift: return "drift";
    case verify_outcome::unsupported: return "unsupported";
  }
  return "unsupported";
}

// Not a failure: a snapshot stream proves itself complete on every run (every id is read, and
// what is missing is marked deleted behind the safety valve), and a count would add nothing.
boost::asio::awaitable<verify_report> connector::verify(verify_run& run) {
  verify_report report;
  report.outcome = verify_outcome::unsupported;
  bool snapshot = false;
  for (const auto& spec : streams())
    if (spec.name == run.stream) snapshot = spec.mode == stream_mode::snapshot;
  report.note = snapshot ? "snapshot stream: every run reads it whole and marks what vanished"
                         : "the API reports no count for this stream";
  co_return report;
}

}  // namespace sluice::connectors
