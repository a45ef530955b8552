// plan_leases: how `sluice run` instances share sources (daemon/lease_plan.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "daemon/lease_plan.hpp"

namespace sluice::daemon {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const std::vector<std::string> four{"a", "b", "c", "d"};

store::lease_row lease(std::string source, std::string holder, bool live = true) {
  store::lease_row l;
  l.source = std::move(source);
  l.holder = std::move(holder);
  l.live = live;
  return l;
}

store::instance_row instance(std::string holder, std::vector<std::string> sources = four) {
  return {std::move(holder), std::move(sources), false};
}

TEST(lease_plan, a_lone_instance_takes_everything) {
  lease_view v{"me", four, {instance("me")}, {}, {}};
  auto plan = plan_leases(v);
  EXPECT_EQ(plan.target, 4u);
  EXPECT_THAT(plan.acquire, UnorderedElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(plan.release, IsEmpty());
}

TEST(lease_plan, two_instances_starting_together_each_reach_for_half) {
  lease_view v{"x", four, {instance("x"), instance("y")}, {}, {}};
  auto px = plan_leases(v);
  v.me = "y";
  auto py = plan_leases(v);
  EXPECT_EQ(px.target, 2u);
  EXPECT_EQ(px.acquire.size(), 2u);
  EXPECT_EQ(py.acquire.size(), 2u);
}

TEST(lease_plan, a_newcomer_gets_its_share_handed_over) {
  // "old" holds all four; "new" just joined and holds nothing.
  std::vector<store::lease_row> leases;
  for (const auto& s : four) leases.push_back(lease(s, "old"));
  lease_view v{"old", four, {instance("old"), instance("new")}, leases, {}};
  auto plan = plan_leases(v);
  EXPECT_EQ(plan.release.size(), 2u);
  EXPECT_THAT(plan.acquire, IsEmpty());

  // Busy sources are never handed over: an idle one goes first, and a busy one is drained (it
  // starts no new run, and goes once idle).
  v.busy = {"a", "b", "c"};
  plan = plan_leases(v);
  EXPECT_THAT(plan.release, UnorderedElementsAre("d"));
  ASSERT_EQ(plan.drain.size(), 1u);
  EXPECT_THAT(plan.drain[0], ::testing::AnyOf("a", "b", "c"));

  // All busy (streams that run every few seconds): two are drained, none is cut short.
  v.busy = {"a", "b", "c", "d"};
  plan = plan_leases(v);
  EXPECT_THAT(plan.release, IsEmpty());
  EXPECT_EQ(plan.drain.size(), 2u);
  // Next round the drained ones are idle: they are the ones handed over.
  v.busy = {"a", "b", "c", "d"};
  for (const auto& s : plan.drain) v.busy.erase(s);
  EXPECT_THAT(plan_leases(v).release, ::testing::UnorderedElementsAreArray(plan.drain));

  // The newcomer takes the free ones next round.
  leases.clear();
  leases.push_back(lease("a", "old"));
  leases.push_back(lease("b", "old"));
  lease_view n{"new", four, {instance("old"), instance("new")}, leases, {}};
  EXPECT_THAT(plan_leases(n).acquire, UnorderedElementsAre("c", "d"));
}

TEST(lease_plan, at_the_target_free_sources_are_left_to_an_instance_with_room) {
  std::vector<store::lease_row> leases{lease("a", "x"), lease("b", "x")};
  lease_view v{"x", four, {instance("x"), instance("y")}, leases, {}};
  auto plan = plan_leases(v);
  EXPECT_THAT(plan.acquire, IsEmpty());
  EXPECT_THAT(plan.release, IsEmpty());
}

TEST(lease_plan, an_orphan_is_taken_even_above_the_target) {
  // y has room but does not have "d" configured: x takes it, and hands y one that y can take
  // instead, so the two end up with two each.
  std::vector<store::lease_row> leases{lease("a", "x"), lease("b", "x")};
  lease_view v{"x", four, {instance("x"), instance("y", {"a", "b", "c"})}, leases, {}};
  auto plan = plan_leases(v);
  EXPECT_THAT(plan.acquire, UnorderedElementsAre("d"));
  ASSERT_EQ(plan.release.size(), 1u);
  EXPECT_THAT(plan.release[0], ::testing::AnyOf("a", "b"));
}

TEST(lease_plan, a_dead_instances_sources_are_taken_over) {
  // y died: its leases expired (not live) and its instance row is gone.
  std::vector<store::lease_row> leases{lease("a", "x"), lease("b", "x"), lease("c", "y", false),
                                       lease("d", "y", false)};
  lease_view v{"x", four, {instance("x")}, leases, {}};
  EXPECT_THAT(plan_leases(v).acquire, UnorderedElementsAre("c", "d"));
}

TEST(lease_plan, sources_removed_from_the_configuration_are_handed_back_when_idle) {
  std::vector<store::lease_row> leases{lease("a", "x"), lease("gone", "x")};
  lease_view v{"x", {"a"}, {instance("x", {"a"})}, leases, {"gone"}};
  EXPECT_THAT(plan_leases(v).release, IsEmpty());  // busy
  v.busy.clear();
  EXPECT_THAT(plan_leases(v).release, UnorderedElementsAre("gone"));
}

TEST(lease_plan, others_live_leases_are_never_taken) {
  std::vector<store::lease_row> leases{lease("a", "y"), lease("b", "y"), lease("c", "y"),
                                       lease("d", "y")};
  lease_view v{"x", four, {instance("x"), instance("y")}, leases, {}};
  auto plan = plan_leases(v);
  EXPECT_THAT(plan.acquire, IsEmpty());
}

}  // namespace
}  // namespace sluice::daemon
