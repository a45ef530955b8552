#pragma once
// One stream of a connector as an object: what it is (its spec), how one run of it goes, and how
// its cursor reads as a time. The connector owns its streams; connector::run finds the one a run
// names, so no stream name is dispatched by string anywhere else.
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "connectors/stream_run.hpp"
#include "connectors/verification.hpp"
#include "core/sink.hpp"
#include "core/time.hpp"

namespace sluice::connectors {

class stream {
public:
  explicit stream(stream_spec spec) : spec_(std::move(spec)) {}
  virtual ~stream() = default;
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  const stream_spec& spec() const noexcept { return spec_; }

  // One pass: fetch, map, hand batches (with the cursor they advance) to run.out. The connector
  // flushes afterwards. Returns why the run is suspicious (a full walk that came up short and so
  // deleted nothing), or nullopt. Throws sluice::error; the cursor stays where the last
  // committed batch left it.
  virtual boost::asio::awaitable<std::optional<std::string>> pull(stream_run& run) = 0;

  // The instant a committed cursor stands at (for the cursor-lag metric); nullopt when the
  // stream has no time cursor. Never throws: a cursor that does not parse is no time.
  virtual std::optional<timestamp> cursor_time(const std::string& cursor) const noexcept {
    (void)cursor;
    return std::nullopt;
  }

  // The API's count against the table, repaired unless a dry run (verification.hpp). The
  // default is for streams whose API reports no count: a snapshot stream re-reads everything on
  // every run, which is its verification.
  virtual boost::asio::awaitable<verify_report> verify(verify_run& run);

private:
  stream_spec spec_;
};

}  // namespace sluice::connectors
