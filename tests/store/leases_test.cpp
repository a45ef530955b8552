#include "store/leases.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/error.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;

// Every store of these tests is a process of this boot and pid namespace (holder_here), so the
// dead-process rule applies between them; pids are chosen per test (ours, a live one that is not
// ours, a dead one).
lease_identity on_this_host(std::string holder, int pid) {
  return holder_here(std::move(holder), pid);
}

// The same pid on another machine: another boot id.
lease_identity on_another_machine(std::string holder, int pid) {
  auto me = holder_here(std::move(holder), pid);
  me.host = "other-host";
  me.process.boot_id = "00000000-0000-4000-8000-000000000001";
  return me;
}

// The same machine, another pid namespace (another container sharing the host name).
lease_identity in_another_container(std::string holder, int pid) {
  auto me = holder_here(std::move(holder), pid);
  me.process.pid_namespace = "pid:[1]";
  return me;
}

// A process that certainly exists and is not us.
int live_other_pid() { return static_cast<int>(::getppid()); }

bool expired(const database_options& db, const std::string& source) {
  return eventually(db, "SELECT expires_at <= now() FROM leases WHERE source = '" + source + "'");
}

std::vector<std::string> holders(const std::vector<instance_row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.holder);
  return out;
}

TEST(leases, only_one_of_two_holders_acquires_and_renewal_keeps_it) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_exclusive");
  lease_store a(db, on_this_host("a", ::getpid()), 30s);
  lease_store b(db, on_this_host("b", live_other_pid()), 30s);
  EXPECT_EQ(a.identity().holder, "a");
  EXPECT_EQ(a.ttl(), 30s);

  EXPECT_TRUE(a.try_acquire("eu"));
  EXPECT_FALSE(b.try_acquire("eu"));
  EXPECT_TRUE(b.try_acquire("us"));
  // Both times from the database's clock, in one statement.
  EXPECT_EQ(rows_of(db,
                    "SELECT source, holder, host, pid::text, "
                    "(expires_at - acquired_at)::text FROM leases ORDER BY source"),
            (result_rows{{"eu", "a", "test-host", std::to_string(::getpid()), "00:00:30"},
                         {"us", "b", "test-host", std::to_string(live_other_pid()), "00:00:30"}}));
  const std::string acquired_at = scalar<std::string>(db,
                                                      "SELECT acquired_at::text FROM "
                                                      "leases WHERE source = 'eu'");

  // Acquiring what is ours again renews it and keeps when we took it.
  const std::string before = scalar<std::string>(db,
                                                 "SELECT expires_at::text FROM leases "
                                                 "WHERE source = 'eu'");
  ASSERT_TRUE(eventually(db, "SELECT now() > '" + before + "'::timestamptz - interval '30 s'"));
  EXPECT_TRUE(a.try_acquire("eu"));
  EXPECT_TRUE(scalar<bool>(
      db, "SELECT expires_at > '" + before + "'::timestamptz FROM leases WHERE source = 'eu'"));
  EXPECT_EQ(scalar<std::string>(db, "SELECT acquired_at::text FROM leases WHERE source = 'eu'"),
            acquired_at);

  // renew() extends only what is ours, in one statement, and says which.
  const std::string renewed_from = scalar<std::string>(db,
                                                       "SELECT expires_at::text FROM "
                                                       "leases WHERE source = 'eu'");
  ASSERT_TRUE(
      eventually(db, "SELECT now() > '" + renewed_from + "'::timestamptz - interval '30 s'"));
  EXPECT_EQ(a.renew({"eu", "us", "nowhere"}), std::vector<std::string>{"eu"});
  EXPECT_TRUE(scalar<bool>(db, "SELECT expires_at > '" + renewed_from +
                                   "'::timestamptz FROM leases WHERE source = 'eu'"));
  EXPECT_EQ(b.renew({"eu", "us"}), std::vector<std::string>{"us"});
  EXPECT_TRUE(a.renew({}).empty());

  auto held = b.holder_of("eu");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->holder, "a");
  EXPECT_EQ(held->host, "test-host");
  EXPECT_EQ(held->pid, ::getpid());
  EXPECT_TRUE(held->live);
  EXPECT_FALSE(a.holder_of("nowhere").has_value());

  auto all = a.leases();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].source, "eu");
  EXPECT_EQ(all[1].source, "us");
  EXPECT_EQ(all[1].holder, "b");
  EXPECT_TRUE(all[0].live && all[1].live);
}

TEST(leases, an_expired_lease_is_taken_over_and_lost_by_its_old_holder) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_expiry");
  lease_store a(db, on_this_host("a", ::getpid()), 1s);
  lease_store b(db, on_this_host("b", live_other_pid()), 30s);
  ASSERT_TRUE(a.try_acquire("eu"));
  const std::string a_acquired = scalar<std::string>(db, "SELECT acquired_at::text FROM leases");
  const timestamp a_expires = a.leases().at(0).expires_at;
  EXPECT_FALSE(b.try_acquire("eu"));

  // The database's clock decides, not ours.
  ASSERT_TRUE(expired(db, "eu"));
  EXPECT_FALSE(a.holder_of("eu").has_value());
  EXPECT_FALSE(a.leases().at(0).live);
  EXPECT_EQ(a.leases().at(0).expires_at, a_expires);
  // An expired lease is not ours any more, even before anyone took it.
  EXPECT_TRUE(a.renew({"eu"}).empty());

  EXPECT_TRUE(b.try_acquire("eu"));
  EXPECT_TRUE(a.renew({"eu"}).empty());
  EXPECT_FALSE(a.try_acquire("eu"));
  auto held = a.holder_of("eu");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->holder, "b");
  EXPECT_TRUE(
      scalar<bool>(db, "SELECT acquired_at > '" + a_acquired + "'::timestamptz FROM leases"));
}

TEST(leases, a_dead_process_on_this_host_loses_its_lease_at_once) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_dead");
  const int dead = dead_pid();
  ASSERT_FALSE(process_alive(dead));
  // What a SIGKILLed run leaves behind: a lease with most of its TTL left.
  lease_store killed(db, on_this_host("killed", dead), 300s);
  lease_store alive(db, on_this_host("alive", live_other_pid()), 300s);
  lease_store elsewhere(db, on_another_machine("elsewhere", dead), 300s);
  ASSERT_TRUE(killed.try_acquire("eu"));
  ASSERT_TRUE(alive.try_acquire("us"));
  ASSERT_TRUE(elsewhere.try_acquire("asia"));

  lease_store me(db, on_this_host("me", ::getpid()), 30s);
  // Seen from this host, the dead process's lease is not live; the others are.
  auto all = me.leases();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].live);   // asia: a pid on another host means nothing here
  EXPECT_FALSE(all[1].live);  // eu
  EXPECT_TRUE(all[2].live);   // us
  EXPECT_FALSE(me.holder_of("eu").has_value());

  EXPECT_TRUE(me.try_acquire("eu"));
  EXPECT_FALSE(me.try_acquire("us"));
  EXPECT_FALSE(me.try_acquire("asia"));
  EXPECT_EQ(rows_of(db, "SELECT source, holder FROM leases ORDER BY source"),
            (result_rows{{"asia", "elsewhere"}, {"eu", "me"}, {"us", "alive"}}));
  // And the new holder, being alive, keeps it.
  EXPECT_FALSE(alive.try_acquire("eu"));
}

TEST(leases, release_deletes_only_our_own_leases) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_release");
  lease_store a(db, on_this_host("a", ::getpid()), 30s);
  lease_store b(db, on_this_host("b", live_other_pid()), 30s);
  ASSERT_TRUE(a.try_acquire("eu"));
  ASSERT_TRUE(b.try_acquire("us"));
  a.release({"eu", "us"});
  EXPECT_EQ(rows_of(db, "SELECT source, holder FROM leases"), (result_rows{{"us", "b"}}));
  EXPECT_TRUE(b.try_acquire("eu"));
  a.release({});
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM leases"), 2);
}

TEST(leases, heartbeat_lists_live_instances_and_drops_expired_and_dead_ones) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_heartbeat");
  lease_store a(db, on_this_host("a", ::getpid()), 30s);
  lease_store b(db, on_this_host("b", live_other_pid()), 1s);

  auto first = a.heartbeat({"eu", "a,b \"quoted\"", "NULL"});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].self);
  EXPECT_EQ(first[0].sources, (std::vector<std::string>{"eu", "a,b \"quoted\"", "NULL"}));
  const std::string started = scalar<std::string>(db, "SELECT started_at::text FROM instances");

  auto seen_by_b = b.heartbeat({});
  ASSERT_EQ(holders(seen_by_b), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(seen_by_b[0].self);
  EXPECT_TRUE(seen_by_b[1].self);
  EXPECT_TRUE(seen_by_b[1].sources.empty());

  auto both = a.heartbeat({"eu"});
  ASSERT_EQ(holders(both), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(both[0].self);
  EXPECT_EQ(both[0].sources, std::vector<std::string>{"eu"});
  EXPECT_EQ(scalar<std::string>(db, "SELECT started_at::text FROM instances WHERE holder = 'a'"),
            started);
  EXPECT_EQ(rows_of(db, "SELECT holder, host, pid::text FROM instances ORDER BY holder"),
            (result_rows{{"a", "test-host", std::to_string(::getpid())},
                         {"b", "test-host", std::to_string(live_other_pid())}}));

  // b stops reporting: gone once its row expired by the database's clock.
  ASSERT_TRUE(eventually(db, "SELECT expires_at <= now() FROM instances WHERE holder = 'b'"));
  EXPECT_EQ(holders(a.heartbeat({"eu"})), std::vector<std::string>{"a"});
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM instances WHERE holder = 'b'"), 0);

  // A process of this host that died goes at once, long before its row would expire.
  lease_store killed(db, on_this_host("killed", dead_pid()), 300s);
  lease_store remote(db, on_another_machine("remote", dead_pid()), 300s);
  killed.heartbeat({"us"});
  remote.heartbeat({"us"});
  EXPECT_EQ(holders(a.heartbeat({"eu"})), (std::vector<std::string>{"a", "remote"}));
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM instances WHERE holder = 'killed'"), 0);

  a.leave();
  EXPECT_EQ(rows_of(db, "SELECT holder FROM instances"), (result_rows{{"remote"}}));
}

TEST(leases, a_holder_in_another_pid_namespace_keeps_its_lease_until_it_expires) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_namespaces");
  // Its pid means nothing in our namespace: free here, and yet its process may well live.
  const int dead = dead_pid();
  lease_store other(db, in_another_container("container", dead), 1s);
  lease_store twin(db, in_another_container("twin", dead), 300s);
  ASSERT_TRUE(other.try_acquire("eu"));
  ASSERT_TRUE(twin.try_acquire("us"));
  lease_store me(db, on_this_host("me", ::getpid()), 30s);
  EXPECT_TRUE(me.holder_of("eu").has_value());
  EXPECT_FALSE(me.try_acquire("eu"));
  EXPECT_FALSE(me.try_acquire("us"));
  // Its instance row stays too (until it expires).
  twin.heartbeat({"us"});
  EXPECT_EQ(holders(me.heartbeat({"eu", "us"})), (std::vector<std::string>{"me", "twin"}));

  // Expiry (by the database's clock) is what frees it.
  ASSERT_TRUE(expired(db, "eu"));
  EXPECT_TRUE(me.try_acquire("eu"));
  EXPECT_FALSE(me.try_acquire("us"));
  EXPECT_EQ(rows_of(db, "SELECT source, holder, pid_namespace = '" + *this_process().pid_namespace +
                            "' FROM leases ORDER BY source"),
            (result_rows{{"eu", "me", "t"}, {"us", "twin", "f"}}));
}

TEST(leases, rows_of_an_older_version_wait_for_their_expiry) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_old_rows");
  // Written by a sluice before version 8: host and a dead pid of this very host, no identity.
  const int dead = dead_pid();
  const std::string host = "test-host";
  query(db,
        "INSERT INTO leases (source, holder, host, pid, expires_at, acquired_at) VALUES "
        "('eu', 'test-host:" +
            std::to_string(dead) + "', '" + host + "', " + std::to_string(dead) +
            ", now() + interval '300 s', now()), "
            "('us', 'ancient', NULL, NULL, now() + interval '300 s', NULL)");
  query(db,
        "INSERT INTO instances (holder, host, pid, sources, expires_at) VALUES "
        "('test-host:" +
            std::to_string(dead) + "', '" + host + "', " + std::to_string(dead) +
            ", '{eu}', now() + interval '300 s')");
  lease_store me(db, on_this_host("me", ::getpid()), 30s);
  auto all = me.leases();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].live && all[1].live);
  EXPECT_FALSE(me.try_acquire("eu"));
  EXPECT_FALSE(me.try_acquire("us"));
  EXPECT_EQ(me.heartbeat({"eu"}).size(), 2u);

  query(db, "UPDATE leases SET expires_at = now() - interval '1 s'");
  EXPECT_TRUE(me.try_acquire("eu"));
  EXPECT_TRUE(me.try_acquire("us"));
  // What a taker records: enough for the next one to judge it.
  EXPECT_EQ(rows_of(db, "SELECT DISTINCT instance_id = '" + me.identity().process.instance_id +
                            "', boot_id IS NOT NULL, pid_namespace IS NOT NULL, "
                            "pid_start IS NOT NULL FROM leases"),
            (result_rows{{"t", "t", "t", "t"}}));
}

TEST(leases, a_pid_reused_by_a_later_process_frees_the_lease) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_pid_reuse");
  // The recorded process had our parent's pid but started at another time: the parent is a
  // later process that got the pid.
  auto ghost = on_this_host("ghost", live_other_pid());
  ASSERT_TRUE(ghost.process.start_ticks.has_value());
  *ghost.process.start_ticks -= 1;
  lease_store reused(db, ghost, 300s);
  lease_store parent(db, on_this_host("parent", live_other_pid()), 300s);
  ASSERT_TRUE(reused.try_acquire("eu"));
  ASSERT_TRUE(parent.try_acquire("us"));
  lease_store me(db, on_this_host("me", ::getpid()), 30s);
  EXPECT_TRUE(me.try_acquire("eu"));
  EXPECT_FALSE(me.try_acquire("us"));
}

TEST(leases, a_locked_row_costs_a_bounded_wait_not_a_stuck_thread) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_leases_locked");
  lease_store a(db, on_this_host("a", ::getpid()), 30s);
  lease_store b(db, on_this_host("b", live_other_pid()), 30s);
  EXPECT_EQ(a.timeouts().lock, std::chrono::milliseconds(2000));
  EXPECT_EQ(a.timeouts().statement, std::chrono::milliseconds(5000));
  ASSERT_TRUE(a.try_acquire("eu"));
  ASSERT_TRUE(b.try_acquire("us"));
  b.heartbeat({});
  query(db, "UPDATE instances SET expires_at = now() - interval '1 s' WHERE holder = 'b'");

  // Another session keeps a's lease row and b's stale instance row locked.
  auto locker_conn = inspect(db);
  pqxx::work locker(*locker_conn);
  locker.exec("SELECT 1 FROM leases WHERE source = 'eu' FOR UPDATE");
  locker.exec("SELECT 1 FROM instances WHERE holder = 'b' FOR UPDATE");

  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(a.renew({"eu", "us"}), lease_busy);
  EXPECT_THROW(b.try_acquire("eu"), lease_busy);
  // Bounded by the timeouts; the limit only catches a wait that never ends.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
  // Unlocked rows go on as usual; the stale instance row is left for a later round.
  EXPECT_EQ(a.renew({"us"}), std::vector<std::string>{});
  EXPECT_EQ(b.renew({"us"}), std::vector<std::string>{"us"});
  EXPECT_EQ(holders(a.heartbeat({"eu"})), std::vector<std::string>{"a"});
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM instances"), 2);

  locker.commit();
  EXPECT_EQ(a.renew({"eu", "us"}), std::vector<std::string>{"eu"});
  EXPECT_EQ(holders(a.heartbeat({"eu"})), std::vector<std::string>{"a"});
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM instances"), 1);
}

TEST(leases, timeouts_follow_the_ttl) {
  EXPECT_EQ(lease_timeouts_for(30s).lock, std::chrono::milliseconds(2000));
  EXPECT_EQ(lease_timeouts_for(30s).statement, std::chrono::milliseconds(5000));
  EXPECT_EQ(lease_timeouts_for(3s).lock, std::chrono::milliseconds(200));
  EXPECT_EQ(lease_timeouts_for(3s).statement, std::chrono::milliseconds(500));
  EXPECT_EQ(lease_timeouts_for(std::chrono::hours(1)).lock, std::chrono::milliseconds(2000));
  EXPECT_EQ(lease_timeouts_for(std::chrono::hours(1)).statement, std::chrono::milliseconds(5000));
}

TEST(leases, process_alive_tells_existing_processes_from_gone_ones) {
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_TRUE(process_alive(1));  // another user's process (EPERM) still exists
  EXPECT_FALSE(process_alive(dead_pid()));
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
}

TEST(leases, unreachable_database_is_a_database_error) {
  try {
    lease_store store(database_options{"postgresql://u:pw-1a2b3c@127.0.0.1:1/x", "s"},
                      on_this_host("a", ::getpid()), 30s);
    FAIL() << "connected";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    EXPECT_EQ(std::string(e.what()).find("pw-1a2b3c"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::store
