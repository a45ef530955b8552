#include "daemon/census_adapter.hpp"

#include <utility>

namespace sluice::daemon {

boost::asio::awaitable<std::vector<timestamp>> census_adapter::times(const table_def& table,
                                                                     std::string column,
                                                                     row_presence presence) {
  co_return co_await db_.run([&] { return census_.times(source_, table, column, presence); });
}

boost::asio::awaitable<std::int64_t> census_adapter::count(const table_def& table,
                                                           row_presence presence) {
  co_return co_await db_.run([&] { return census_.count(source_, table, presence); });
}

boost::asio::awaitable<timestamp> census_adapter::clock() {
  co_return co_await db_.run([&] { return census_.clock(); });
}

boost::asio::awaitable<vanish_result> census_adapter::mark_vanished(vanish_request request) {
  if (dry_run_) request.count_only = true;
  co_return co_await db_.run(
      [&] { return census_.mark_vanished(source_, lease_holder_, verification_id_, request); });
}

}  // namespace sluice::daemon
