// Leases between processes that a host name and a pid cannot tell apart, and leases whose rows
// another session keeps locked: `sluice run` in separate pid namespaces (both pid 1, as in two
// containers with host networking) share one database without taking each other's work or
// deleting each other's instance rows, and a locked lease row costs the daemon neither its
// readiness nor its other sources.
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A fresh pid namespace with its own /proc, as a container runtime gives; the child dies with
// unshare (--kill-child).
const std::vector<std::string> container{"/usr/bin/unshare", "--pid", "--fork", "--kill-child",
                                         "--mount-proc"};

bool namespaces_available() {
  auto r = run_process({"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/true"}, 30s);
  return r.exit_code == 0;
}

// The process that unshare forked: sluice, pid 1 of its namespace.
pid_t child_of(pid_t parent) {
  std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                   "/children");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class lease_identity : public daemon_fixture {
protected:
  // Live leases per holder.
  std::map<std::string, std::size_t> lease_counts() {
    std::map<std::string, std::size_t> out;
    for (const auto& [source, holder] : holders()) ++out[holder];
    return out;
  }
  // Holders are "<instance>#<tag>": the leases of the instance configured as `name`.
  std::size_t held_by_instance(const std::string& name) {
    std::size_t n = 0;
    for (const auto& [source, holder] : holders()) n += holder.starts_with(name + "#");
    return n;
  }
  // The psql session that keeps a row locked, named after the test: tests running at the same
  // time share the database and must not end each other's lockers.
  std::string locker_name() const { return "locker-" + schema_; }
  std::vector<std::string> instance_rows() {
    return psql_rows(
        "SELECT holder || '|' || pid || '|' || pid_namespace || '|' || started_at "
        "FROM " +
        schema_ + ".instances ORDER BY holder");
  }
};

// long function: one scenario (share, freeze, expire, take over) told in order.
TEST_F(lease_identity, daemons_in_separate_pid_namespaces_share_and_take_over_after_expiry) {
  if (!namespaces_available()) GTEST_SKIP() << "unshare --pid needs CAP_SYS_ADMIN";
  start_fake({"--partoo-reviews", "60", "--cloutly-reviews", "40"});
  // Default instance names: both daemons are "<hostname>:1".
  auto config = daemon_config(
      partoo_source("p1") + partoo_source("p2") + cloutly_source("c1") + cloutly_source("c2"),
      "lease_ttl = \"3s\"");
  daemon_process a(config, {}, container);
  ASSERT_TRUE(eventually([&] {
    auto c = lease_counts();
    return c.size() == 1 && c.begin()->second == 4;
  })) << a.log();
  const std::string a_holder = lease_counts().begin()->first;
  EXPECT_THAT(a_holder, HasSubstr(":1#"));

  daemon_process b(config, {}, container);
  ASSERT_TRUE(eventually([&] {
    auto c = lease_counts();
    return c.size() == 2 && c[a_holder] == 2;
  })) << a.log()
      << b.log();
  std::string b_holder;
  for (const auto& [holder, n] : lease_counts())
    if (holder != a_holder) b_holder = holder;
  EXPECT_THAT(b_holder, HasSubstr(":1#"));
  EXPECT_EQ(b_holder.substr(0, b_holder.find('#')), a_holder.substr(0, a_holder.find('#')));
  EXPECT_EQ(count("SELECT count(DISTINCT pid_namespace) FROM " + schema_ +
                  ".instances WHERE pid = 1 AND boot_id IS NOT NULL"),
            2);
  ASSERT_TRUE(eventually([&] {
    return rows("p1") > 0 && rows("p2") > 0 && rows("c1") > 0 && rows("c2") > 0;
  })) << a.log()
      << b.log();

  // Rounds go by (one every 0.5 s): neither removes the other's instance row (a removed row
  // would come back with another started_at) nor takes the other's sources.
  const auto instances = instance_rows();
  ASSERT_EQ(instances.size(), 2u);
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(instance_rows(), instances);
  EXPECT_EQ(lease_counts()[a_holder], 2u);
  EXPECT_EQ(lease_counts()[b_holder], 2u);

  // SIGKILL b's sluice. Its pid means nothing in a's namespace: a waits for the leases to expire.
  const auto b_leases = psql_rows(
      "SELECT '(''' || source || ''', ''' || expires_at || "
      "'''::timestamptz)' FROM " +
      schema_ + ".leases WHERE holder = '" + b_holder + "'");
  ASSERT_EQ(b_leases.size(), 2u);
  const pid_t b_sluice = child_of(b.pid());
  ASSERT_GT(b_sluice, 0);
  ASSERT_EQ(::kill(b_sluice, SIGKILL), 0);
  b.wait_exit();
  ASSERT_TRUE(eventually([&] { return lease_counts()[a_holder] == 4; })) << a.log();
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".leases l JOIN (VALUES " + b_leases[0] +
                  ", " + b_leases[1] +
                  ") AS old(source, expires_at) USING (source) "
                  "WHERE l.acquired_at < old.expires_at"),
            0);
  ASSERT_TRUE(eventually([&] { return instance_rows().size() == 1; })) << a.log();

  const pid_t a_sluice = child_of(a.pid());
  ASSERT_GT(a_sluice, 0);
  ::kill(a_sluice, SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0) << a.log();
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".leases"), 0);
}

TEST_F(lease_identity, a_locked_lease_row_holds_up_neither_readiness_nor_the_other_sources) {
  start_fake({"--partoo-reviews", "30"});
  auto config = daemon_config(partoo_source("p1") + partoo_source("p2") + partoo_source("p3"),
                              "instance = \"solo\"\nlease_ttl = \"3s\"");
  auto migrated = run_sluice({"migrate", "-c", config});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  // An expired lease whose row a stuck session keeps locked (a frozen process mid-transaction,
  // someone's SELECT ... FOR UPDATE).
  psql("INSERT INTO " + schema_ +
       ".leases (source, holder, host, pid, expires_at) VALUES "
       "('p2', 'stuck', 'elsewhere', 4242, now() - interval '1 s')");
  child locker({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-c",
                "BEGIN; SELECT 1 FROM " + schema_ +
                    ".leases WHERE source = 'p2' FOR UPDATE; "
                    "SELECT pg_sleep(600); COMMIT;"},
               {"PGAPPNAME=" + locker_name()});
  const std::string locker_backend = "FROM pg_stat_activity WHERE application_name = '" +
                                     locker_name() + "' AND datname = current_database()";
  ASSERT_TRUE(eventually([&] {
    return count("SELECT count(*) " + locker_backend + " AND wait_event = 'PgSleep'") == 1;
  })) << locker.drain();

  notify_socket systemd(dir_ / "notify.sock");
  daemon_process d(config, {"NOTIFY_SOCKET=" + (dir_ / "notify.sock").string()});
  std::string seen;
  // Without lock timeouts the first lease round waited for the lock: never ready.
  ASSERT_TRUE(systemd.wait_for("READY=1", seen, 60s)) << seen << d.log();
  // Keep reading, as systemd does: every lease round sends STATUS=, and a full datagram queue
  // would block the daemon's sd_notify.
  std::atomic<bool> listening{true};
  std::thread drain([&] {
    while (listening) systemd.next();
  });
  struct stop_draining {
    std::atomic<bool>& flag;
    std::thread& thread;
    ~stop_draining() {
      flag = false;
      thread.join();
    }
  } stop{listening, drain};
  ASSERT_TRUE(eventually([&] { return held_by_instance("solo") == 2; })) << d.log();
  EXPECT_EQ(psql("SELECT holder FROM " + schema_ + ".leases WHERE source = 'p2'"), "stuck");
  ASSERT_TRUE(eventually([&] { return rows("p1") > 0 && rows("p3") > 0; })) << d.log();

  // Round after round finds the row locked; it is said once.
  ASSERT_TRUE(eventually([&] { return d.logged("lease row of source 'p2' is locked"); }))
      << d.log();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(occurrences(d.log(), "lease row of source 'p2' is locked"), 1u) << d.log();
  EXPECT_FALSE(d.logged("lease round failed")) << d.log();

  // The lock ends: the daemon takes the source.
  psql("SELECT pg_terminate_backend(pid) " + locker_backend);
  locker.wait(30s);
  ASSERT_TRUE(eventually([&] { return held_by_instance("solo") == 3; })) << d.log();
  ASSERT_TRUE(eventually([&] { return rows("p2") > 0; })) << d.log();
  EXPECT_TRUE(d.logged("lease row of source 'p2' is no longer locked")) << d.log();

  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

TEST_F(lease_identity, a_held_lease_whose_row_stays_locked_is_kept_while_trusted_then_retaken) {
  start_fake({"--partoo-reviews", "30"});
  // ttl 6 s: a round every second, a lease trusted for 4 s after the round that renewed it.
  auto config = daemon_config(partoo_source("p1", "1h") + partoo_source("p2", "1h"),
                              "instance = \"solo\"\nlease_ttl = \"6s\"");
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return held_by_instance("solo") == 2; })) << d.log();
  ASSERT_TRUE(eventually([&] { return rows("p1") > 0 && rows("p2") > 0; })) << d.log();

  child locker({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-c",
                "BEGIN; SELECT 1 FROM " + schema_ +
                    ".leases WHERE source = 'p1' FOR UPDATE; "
                    "SELECT pg_sleep(600); COMMIT;"},
               {"PGAPPNAME=" + locker_name()});
  const std::string locker_backend = "FROM pg_stat_activity WHERE application_name = '" +
                                     locker_name() + "' AND datname = current_database()";
  ASSERT_TRUE(eventually([&] {
    return count("SELECT count(*) " + locker_backend + " AND wait_event = 'PgSleep'") == 1;
  })) << locker.drain();
  // The renewal that finds the row locked keeps the source (still trusted); the source is given
  // up only once its trust would run out before another round.
  ASSERT_TRUE(eventually([&] { return d.logged("lease row of source 'p1' is locked"); }))
      << d.log();
  ASSERT_TRUE(eventually([&] { return d.logged("source 'p1': stopped pulling"); })) << d.log();
  const auto log = d.log();
  EXPECT_LT(log.find("lease row of source 'p1' is locked"),
            log.find("lease on source 'p1' could not be renewed in time"));
  EXPECT_LT(log.find("lease on source 'p1' could not be renewed in time"),
            log.find("source 'p1': stopped pulling"));
  // The other source is renewed all along.
  EXPECT_FALSE(d.logged("source 'p2': stopped pulling")) << log;
  EXPECT_FALSE(d.logged("lease round failed")) << log;
  EXPECT_EQ(held_by_instance("solo"), 2u) << "the row is still ours in the database";

  psql("SELECT pg_terminate_backend(pid) " + locker_backend);
  locker.wait(30s);
  ASSERT_TRUE(eventually([&] { return occurrences(d.log(), "source 'p1': pulling") == 2; }))
      << d.log();
  EXPECT_TRUE(d.logged("lease row of source 'p1' is no longer locked")) << d.log();
  EXPECT_FALSE(d.logged("source 'p2': stopped pulling")) << d.log();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

}  // namespace
}  // namespace sluice::test
