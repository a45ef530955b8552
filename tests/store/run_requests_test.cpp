// Run requests in the database: what a claim takes (pending ones, ones of another holder, ours
// whose claim was lost; never ours in flight, never other sources'), that only the claimant
// finishes or hands back, that only an unclaimed request is cancelled, the NOTIFY of a submit,
// and which holders count as daemons.
#include "store/run_requests.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <unistd.h>

#include "store/control.hpp"
#include "store/control_listener.hpp"
#include "store/leases.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;

class run_requests_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    db_ = migrated_schema(std::string("t_store_requests_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::vector<std::int64_t> ids(const std::vector<run_request>& requests) {
    std::vector<std::int64_t> out;
    for (const auto& r : requests) out.push_back(r.id);
    return out;
  }
  database_options db_;
};

TEST_F(run_requests_test, a_claim_takes_the_open_requests_of_the_sources_held) {
  run_requests store(db_);
  const auto eu = store.submit("eu", {}, false, "ops@host");
  const auto us = store.submit("us", {"reviews"}, true, "ops@host");
  const auto eu2 = store.submit("eu", {"reviews", "businesses"}, false, "ana@host");

  auto claimed = store.claim("alpha", {"eu"}, {});
  ASSERT_EQ(ids(claimed), (std::vector<std::int64_t>{eu, eu2}));
  EXPECT_EQ(claimed[0].state, "running");
  EXPECT_EQ(claimed[0].claimed_by, "alpha");
  EXPECT_TRUE(claimed[0].claimed_from.empty());
  EXPECT_TRUE(claimed[0].streams.empty());
  EXPECT_EQ(claimed[1].streams, (std::vector<std::string>{"reviews", "businesses"}));
  EXPECT_EQ(claimed[1].requested_by, "ana@host");

  // In flight here: not claimed again. Claimed but lost on the way (not in flight): claimed again.
  EXPECT_TRUE(store.claim("alpha", {"eu"}, {eu, eu2}).empty());
  EXPECT_EQ(ids(store.claim("alpha", {"eu"}, {eu})), (std::vector<std::int64_t>{eu2}));

  // Another holder of eu (alpha lost it): takes both over, naming alpha.
  auto taken = store.claim("beta", {"eu", "us"}, {});
  ASSERT_EQ(ids(taken), (std::vector<std::int64_t>{eu, us, eu2}));
  EXPECT_EQ(taken[0].claimed_from, "alpha");
  EXPECT_TRUE(taken[1].claimed_from.empty());
  EXPECT_TRUE(taken[1].full);
  EXPECT_TRUE(store.claim("beta", {}, {}).empty());
}

TEST_F(run_requests_test, only_the_claimant_finishes_or_hands_back) {
  run_requests store(db_);
  const auto id = store.submit("eu", {}, false, "ops@host");
  store.claim("alpha", {"eu"}, {});
  store.claim("beta", {"eu"}, {});  // alpha lost the source

  EXPECT_FALSE(store.finish(id, "alpha", 0, {{"reviews", 7, "succeeded", "late"}}));
  EXPECT_FALSE(store.release(id, "alpha"));
  EXPECT_TRUE(store.outcomes(id).empty());

  EXPECT_TRUE(store.release(id, "beta"));
  auto r = store.read({id});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].state, "pending");
  EXPECT_EQ(r[0].claimed_by, "");

  store.claim("gamma", {"eu"}, {});
  EXPECT_TRUE(store.finish(id, "gamma", 1,
                           {{"reviews", 0, "failed", "failed (auth): rejected"},
                            {"businesses", 0, "succeeded", "3 records"}}));
  EXPECT_FALSE(store.finish(id, "gamma", 0, {})) << "done once";
  r = store.read({id});
  EXPECT_EQ(r[0].state, "done");
  EXPECT_EQ(r[0].exit_code, 1);
  auto outcomes = store.outcomes(id);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].stream, "businesses");
  EXPECT_EQ(outcomes[1].status, "failed");
  EXPECT_EQ(outcomes[1].report, "failed (auth): rejected");
  EXPECT_EQ(outcomes[1].run_id, 0);
}

TEST_F(run_requests_test, only_an_unclaimed_request_is_cancelled) {
  run_requests store(db_);
  const auto waiting = store.submit("eu", {}, false, "ops@host");
  const auto running = store.submit("us", {}, false, "ops@host");
  store.claim("alpha", {"us"}, {});
  EXPECT_TRUE(store.cancel(waiting));
  EXPECT_FALSE(store.cancel(running));
  EXPECT_FALSE(store.cancel(waiting)) << "already cancelled";
  EXPECT_TRUE(store.claim("alpha", {"eu"}, {}).empty()) << "a cancelled request is not claimed";
  auto r = store.read({running, waiting});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].state, "cancelled");
  EXPECT_EQ(r[1].state, "running");
}

TEST_F(run_requests_test, a_submit_notifies_the_listeners_of_its_schema) {
  std::atomic<int> ours{0};
  const auto payload = control_payload(control_change_request, db_.schema);
  control_listener listener(
      db_,
      [&](const std::string& p) {
        if (p == payload) ++ours;
      },
      500ms);
  run_requests store(db_);
  // The listener may still be connecting: submit until one arrives (a lost early one is what the
  // periodic re-read is for).
  for (int i = 0; i < 100 && ours == 0; ++i) {
    store.submit("eu", {}, false, "ops@host");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GT(ours.load(), 0);
  listener.stop();
}

TEST_F(run_requests_test, only_live_instances_are_daemons) {
  run_requests store(db_);
  lease_store daemon(db_, holder_here("alpha#1", ::getpid()), 30s);
  daemon.heartbeat({"eu"});
  EXPECT_EQ(store.daemons_among({"alpha#1", "host:9/sync#2"}), (std::set<std::string>{"alpha#1"}));
  daemon.leave();
  EXPECT_TRUE(store.daemons_among({"alpha#1"}).empty());
  EXPECT_TRUE(store.daemons_among({}).empty());
}

}  // namespace
}  // namespace sluice::store
