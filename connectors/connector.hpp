#pragma once
// What every source connector provides: its streams (stream.hpp) and a cheap check of the
// credentials. A connector knows its API and its mapping to rows; it reaches the network through
// a fetcher (the source's net::http_client) and the database only through sluice::sink.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "connectors/stream.hpp"
#include "connectors/stream_run.hpp"
#include "connectors/verification.hpp"
#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/time.hpp"

namespace sluice::net {
class authenticator;
}

namespace sluice::connectors {

class connector {
public:
  // `kind` names the connector in errors ("partoo has no stream 'x'").
  explicit connector(std::string kind) : kind_(std::move(kind)) {}
  virtual ~connector() = default;
  connector(const connector&) = delete;
  connector& operator=(const connector&) = delete;

  std::vector<stream_spec> streams() const;

  // One pass over the stream run.stream names: the stream's pull, then a flush of run.out.
  // Throws sluice::error (kind config for a stream this connector does not have, or a backfill
  // of a stream that has no range to re-read); the caller records it and the cursor stays where
  // the last committed batch left it. A pull that held a snapshot back makes the totals
  // suspicious, as the store's safety valve does.
  boost::asio::awaitable<write_totals> run(stream_run& run);

  // The instant a committed cursor of `stream` stands at, for the cursor-lag metric; nullopt
  // when the stream has no time cursor or the text is not one. Never throws.
  std::optional<timestamp> cursor_time(std::string_view stream, const std::string& cursor) const;

  // Compares the API's own count of run.stream's records with the table and, unless
  // run.dry_run, repairs what disagrees (verification.hpp). Throws sluice::error.
  boost::asio::awaitable<verify_report> verify(verify_run& run);

  // One cheap authenticated call. Returns a short description for `sluice check`
  // ("authenticated, 287 reviews"); throws sluice::error (kind auth on rejected credentials).
  virtual boost::asio::awaitable<std::string> check(fetcher http, run_counters& counters) = 0;

protected:
  // Called by the constructor of each connector, once per stream, in the order `status` lists.
  void add(std::unique_ptr<stream> s) { streams_.push_back(std::move(s)); }

private:
  stream& find(const std::string& source, std::string_view name) const;

  std::string kind_;
  std::vector<std::unique_ptr<stream>> streams_;
};

}  // namespace sluice::connectors
