#include "store/fence.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::store {

std::string fence_query(const std::string& schema) {
  // FOR KEY SHARE, not FOR SHARE: the holder's own renewals (a plain UPDATE of expires_at) never
  // wait for its commits, which on a busy source follow each other without a gap and would starve
  // them; a takeover locks the row FOR UPDATE first (lease_store::try_acquire), which does wait
  // until every transaction that checked the old holder has ended.
  return "SELECT holder, expires_at > now() FROM " + schema +
         ".leases WHERE source = $1 FOR KEY SHARE";
}

void check_lease(const pqxx::result& lease, std::string_view source, std::string_view holder,
                 std::string_view what) {
  const bool live = !lease.empty() && lease[0][1].as<bool>();
  if (live && lease[0][0].as<std::string>() == holder) return;
  throw error(error_kind::cancelled,
              fmt::format("source '{}': lease lost to {}; {}", source,
                          live ? lease[0][0].as<std::string>() : std::string("nobody"), what));
}

void fence(pqxx::work& tx, const std::string& schema, std::string_view source,
           std::string_view holder, std::string_view what) {
  if (holder.empty()) return;
  check_lease(tx.exec_params(fence_query(schema), std::string(source)), source, holder, what);
}

}  // namespace sluice::store
