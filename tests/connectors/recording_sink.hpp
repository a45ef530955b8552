#pragma once
// A sink that records what a connector's run loop asked of it, in order, for the connector tests.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/record.hpp"
#include "core/sink.hpp"

namespace sluice::test {

class recording_sink final : public sink {
public:
  struct event {
    std::string what;  // "begin", "write", "complete", "flush"
    std::size_t rows = 0;
    std::optional<std::string> cursor;
    bool resume = false;
    double fraction = 0;
  };
  std::vector<event> events;
  std::vector<record_batch> batches;
  bool record_flush = true;  // connector_harness runs leave the run's closing flush out

  boost::asio::awaitable<void> write(record_batch batch) override {
    events.push_back({"write", batch.rows.size(), batch.cursor_after, false, 0});
    batches.push_back(std::move(batch));
    co_return;
  }
  boost::asio::awaitable<write_totals> flush() override {
    if (record_flush) events.push_back({"flush", 0, std::nullopt, false, 0});
    co_return write_totals{};
  }
  boost::asio::awaitable<void> begin_snapshot(bool resume) override {
    events.push_back({"begin", 0, std::nullopt, resume, 0});
    co_return;
  }
  boost::asio::awaitable<snapshot_result> complete_snapshot(
      double max_delete_fraction, std::optional<std::string> cursor_after) override {
    events.push_back({"complete", 0, std::move(cursor_after), false, max_delete_fraction});
    co_return snapshot_result{};
  }

  std::vector<std::string> sequence() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.what);
    return out;
  }
};

}  // namespace sluice::test
