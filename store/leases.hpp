#pragma once
// Leases (DESIGN.md section 8): which process works on which source, so that several sluice
// processes against one database never pull the same source at once. All times are the
// database's clock (now()), so hosts with skewed clocks still agree. One connection; blocking:
// call it from a thread that may block (the daemon's lease thread), never the I/O thread.
//
// A lease is ours while `holder` is our name and `expires_at` is in the future. It is free when it
// does not exist, has expired, or belongs to a process on this host that no longer exists
// (a SIGKILLed run must not block the next one for a whole TTL).
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

#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

struct lease_identity {
  std::string holder;  // [daemon] instance, default "<hostname>:<pid>"
  std::string host;    // this host's name (gethostname)
  int pid = 0;         // this process
};

struct lease_row {
  std::string source;
  std::string holder;
  std::string host;
  int pid = 0;
  timestamp expires_at;
  bool live = false;  // not expired, and not held by a dead process on this host
};

struct instance_row {
  std::string holder;
  std::vector<std::string> sources;  // the sources its configuration has
  bool self = false;
};

class lease_store {
public:
  // Connects (throws sluice::error kind database).
  lease_store(const database_options& db, lease_identity me, std::chrono::seconds ttl);
  ~lease_store();
  lease_store(const lease_store&) = delete;
  lease_store& operator=(const lease_store&) = delete;

  const lease_identity& identity() const noexcept;
  std::chrono::seconds ttl() const noexcept;

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
  // expired rows and rows of dead processes on this host, and returns the live instances (ours
  // included, marked self).
  std::vector<instance_row> heartbeat(const std::vector<std::string>& configured_sources);
  // Removes our instance row (clean shutdown).
  void leave();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Whether process `pid` exists on this host (kill(pid, 0); EPERM counts as alive).
bool process_alive(int pid);

}  // namespace sluice::store
