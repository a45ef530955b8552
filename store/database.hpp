#pragma once
// Where sluice's tables live and how long it waits on them, from [database].
#include <chrono>
#include <string>

namespace sluice::store {

struct database_options {
  std::string url;                // libpq URI or key=value string
  std::string schema = "sluice";  // every table lives here
  // A statement that waits this long for a lock someone else holds (a BI user's LOCK TABLE or
  // SELECT ... FOR UPDATE) fails instead, and its batch is retried on the stream's next run; the
  // other streams keep committing meanwhile.
  std::chrono::milliseconds lock_timeout{5'000};
  // The longest one statement may run on the server; sluice also gives up on a call this much
  // (plus a margin) after sending it when the server does not answer at all.
  std::chrono::milliseconds statement_timeout{300'000};
  // How long a lost connection is re-established (with growing pauses) before the operation
  // that needed it fails: a server restart or failover costs a wait, not a failed run.
  std::chrono::milliseconds reconnect_for{60'000};
};

}  // namespace sluice::store
