#pragma once
// Fencing for a store transaction that acts for a lease holder: the source's
// lease row is locked FOR KEY SHARE, so a takeover (FOR UPDATE first) waits until the
// transaction ends and cannot slip in between this check and COMMIT.
#include <string>
#include <string_view>

#include <pqxx/result>
#include <pqxx/transaction>

namespace sluice::store {

// The SQL that reads and locks a source's lease row ($1: source); `schema` is quoted. The batch
// writer prepares it once per connection, since every commit runs it.
std::string fence_query(const std::string& schema);

// Throws sluice::error (kind cancelled, "source 'S': lease lost to X; <what>") unless `lease`,
// the answer of fence_query, says `holder` holds an unexpired lease.
void check_lease(const pqxx::result& lease, std::string_view source, std::string_view holder,
                 std::string_view what);

// Throws sluice::error (kind cancelled) unless `holder` holds an unexpired lease of `source`.
// An empty holder is not fenced. `schema` is quoted.
void fence(pqxx::work& tx, const std::string& schema, std::string_view source,
           std::string_view holder, std::string_view what);

}  // namespace sluice::store
