#pragma once
// store::census (blocking libpqxx) as the connectors' table_census: every call runs on the
// bookkeeping thread, so the I/O thread never waits for the database. One per verification: it
// names the source, the lease that fences its marks, and the verification that made them.
#include <cstdint>
#include <string>

#include "core/table_census.hpp"
#include "daemon/blocking_thread.hpp"
#include "store/census.hpp"

namespace sluice::daemon {

class census_adapter final : public table_census {
public:
  census_adapter(blocking_thread& db, store::census& census, std::string source,
                 std::string lease_holder, std::int64_t verification_id, bool dry_run)
      : db_(db),
        census_(census),
        source_(std::move(source)),
        lease_holder_(std::move(lease_holder)),
        verification_id_(verification_id),
        dry_run_(dry_run) {}

  boost::asio::awaitable<std::vector<timestamp>> times(const table_def& table, std::string column,
                                                       row_presence presence) override;
  boost::asio::awaitable<std::int64_t> count(const table_def& table,
                                             row_presence presence) override;
  boost::asio::awaitable<timestamp> clock() override;
  // A dry run never marks: a request to is counted only, whatever it asked.
  boost::asio::awaitable<vanish_result> mark_vanished(vanish_request request) override;

private:
  blocking_thread& db_;
  store::census& census_;
  std::string source_;
  std::string lease_holder_;
  std::int64_t verification_id_;
  bool dry_run_;
};

}  // namespace sluice::daemon
