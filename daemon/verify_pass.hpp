#pragma once
// The daemon's verification of one source (every verify_interval): its streams one after the
// other, at low priority within the source's budget, so live pulls never wait for it. A stream
// that has never been pulled (an incremental stream without a cursor) is left for the next pass:
// its first pull is still loading it, and comparing now would only re-read what that pull reads.
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "daemon/verify_runner.hpp"

namespace sluice::daemon {

struct verify_pass {
  source_runtime& source;
  std::vector<connectors::stream_spec> streams;
  // The repair by full walk of `stream` (verify_request::full_walk), as the daemon runs it.
  std::function<std::function<boost::asio::awaitable<bool>()>(const std::string& stream)> full_walk;
  // Checked before each stream: false stops the pass (stopping, lease lost).
  std::function<bool()> keep_going;
  std::function<void(const std::string& stream, const verify_result&)> on_result;
};

// Never throws. Pass a named pass (std::move it), like run_stream's request.
boost::asio::awaitable<void> run_verify_pass(verify_context& ctx, verify_pass pass);

}  // namespace sluice::daemon
