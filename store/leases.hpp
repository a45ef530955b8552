#pragma once
// Leases: which process works on which source, so that several sluice
// processes against one database never pull the same source at once. All times are the
// database's clock (now()), so hosts with skewed clocks still agree. One connection; blocking:
// call it from a thread that may block (the daemon's lease thread), never the I/O thread.
//
// A lease is ours while `holder` is our name and `expires_at` is in the future. It is free when it
// does not exist, has expired, or belongs to a process that certainly no longer exists: one of
// this boot and pid namespace whose pid is free (store/process_identity; a SIGKILLed run must not
// block the next one for a whole TTL). Rows of other namespaces or hosts, and rows written by
// older versions (no identity), wait for their expiry.
//
// Every statement runs with a short lock_timeout and statement_timeout (lease_timeouts_for), so a
// row locked by a stuck session costs a round a bounded wait instead of stopping it: the call
// throws lease_busy and the caller tries again next round.
//
// Instances (`sluice run` processes) also keep a heartbeat row, so each one knows how many share
// the work and which sources each has configured (fair sharing, daemon/lease_plan).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/database.hpp"
#include "store/process_identity.hpp"

namespace sluice::store {

struct lease_identity {
  std::string holder;        // unique per process (daemon/lease_keeper names it)
  std::string host;          // this host's name (gethostname), for people reading the tables
  process_identity process;  // for the dead-process rule
};

struct lease_row {
  std::string source;
  std::string holder;
  std::string host;
  int pid = 0;
  timestamp expires_at;
  bool live = false;  // not expired, and its holder not certainly gone (holder_gone)
};

struct instance_row {
  std::string holder;
  std::vector<std::string> sources;  // the sources its configuration has
  bool self = false;
};

// A lease statement gave up waiting: its row stayed locked by another session past lock_timeout,
// or it ran past statement_timeout. The connection is fine; the next round tries again.
class lease_busy : public error {
public:
  using error::error;
};

// How long one lease statement may wait for a row lock (ttl/15, 200 ms to 2 s) and run in all
// (ttl/6, 500 ms to 5 s): short against the TTL, so a round stays well inside the time its leases
// are trusted for. 2 s and 5 s at the default 30 s.
struct lease_timeouts {
  std::chrono::milliseconds lock;
  std::chrono::milliseconds statement;
};
lease_timeouts lease_timeouts_for(std::chrono::seconds ttl);

class lease_store {
public:
  // Connects (throws sluice::error kind database).
  lease_store(const database_options& db, lease_identity me, std::chrono::seconds ttl);
  ~lease_store();
  lease_store(const lease_store&) = delete;
  lease_store& operator=(const lease_store&) = delete;

  const lease_identity& identity() const noexcept;
  std::chrono::seconds ttl() const noexcept;
  lease_timeouts timeouts() const noexcept;

  // Every call below throws lease_busy when it waited past the timeouts (nothing changed then),
  // and sluice::error kind database for other failures.

  // Takes the source's lease when it is free (see above) or already ours; renews it then.
  // Returns true when it is ours now. Race-free between processes (one conditional upsert).
  bool try_acquire(std::string_view source);

  // Extends every lease in `sources` that is still ours to now() + ttl; returns the ones that
  // were (the rest were lost: taken over after expiry). One statement.
  std::vector<std::string> renew(const std::vector<std::string>& sources);

  // Deletes our leases on these sources (others' are untouched).
  void release(const std::vector<std::string>& sources);

  // Every lease row, with `live` evaluated now.
  std::vector<lease_row> leases();

  // The live lease of one source, if any (someone else's or ours).
  std::optional<lease_row> holder_of(std::string_view source);

  // Instance heartbeat: upserts our row (expires now() + ttl, our configured sources), removes
  // expired rows and rows of processes certainly gone (rows another session has locked are left
  // for a later round), and returns the live instances (ours included, marked self).
  std::vector<instance_row> heartbeat(const std::vector<std::string>& configured_sources);
  // Removes our instance row (clean shutdown).
  void leave();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
