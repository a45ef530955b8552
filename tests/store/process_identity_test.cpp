#include "store/process_identity.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

// A kernel of our imagination: which pids exist, and when each started.
struct fake_kernel {
  std::map<int, std::int64_t> processes;
  process_probe probe() const {
    return {[this](int pid) { return processes.count(pid) > 0; },
            [this](int pid) -> std::optional<std::int64_t> {
              auto it = processes.find(pid);
              if (it == processes.end()) return std::nullopt;
              return it->second;
            }};
  }
};

process_identity process(std::string id, int pid, std::optional<std::int64_t> start = 100,
                         std::optional<std::string> boot = "boot-1",
                         std::optional<std::string> ns = "pid:[4026531836]") {
  return {std::move(id), std::move(boot), std::move(ns), pid, start};
}

const process_identity me = process("me", 10, 500);

TEST(holder_gone, a_dead_pid_of_our_boot_and_namespace_is_gone) {
  fake_kernel k{{{10, 500}}};
  EXPECT_TRUE(holder_gone(process("old", 42), me, k.probe()));
  k.processes[42] = 100;
  EXPECT_FALSE(holder_gone(process("old", 42), me, k.probe()));
}

TEST(holder_gone, a_pid_taken_by_a_later_process_is_gone) {
  fake_kernel k{{{10, 500}, {42, 900}}};
  EXPECT_TRUE(holder_gone(process("old", 42, 100), me, k.probe()));
  // Our own pid, recorded by an earlier process that had it.
  EXPECT_TRUE(holder_gone(process("earlier", 10, 20), me, k.probe()));
  // Without a recorded start time, or when /proc cannot tell, a live pid is the holder.
  EXPECT_FALSE(holder_gone(process("old", 42, std::nullopt), me, k.probe()));
  fake_kernel hidden{{{10, 500}, {42, 900}}};
  auto probe = hidden.probe();
  probe.start_ticks = [](int) { return std::nullopt; };
  EXPECT_FALSE(holder_gone(process("old", 42, 100), me, probe));
}

TEST(holder_gone, another_namespace_or_boot_is_never_judged_by_pid) {
  fake_kernel k{{{10, 500}}};
  // Pid 1 in two containers: not the same process, and its pid says nothing here.
  EXPECT_FALSE(
      holder_gone(process("container", 1, 100, "boot-1", "pid:[4026532175]"), me, k.probe()));
  EXPECT_FALSE(holder_gone(process("rebooted", 42, 100, "boot-0"), me, k.probe()));
  EXPECT_FALSE(holder_gone(process("remote", 42, 100, "boot-2"), me, k.probe()));
}

TEST(holder_gone, rows_without_identity_wait_for_expiry) {
  fake_kernel k{{{10, 500}}};
  EXPECT_FALSE(
      holder_gone(process("", 42, std::nullopt, std::nullopt, std::nullopt), me, k.probe()));
  EXPECT_FALSE(holder_gone(process("old", 42, 100, std::nullopt), me, k.probe()));
  EXPECT_FALSE(holder_gone(process("old", 42, 100, "boot-1", std::nullopt), me, k.probe()));
  EXPECT_FALSE(holder_gone(process("old", 0), me, k.probe()));
  // Nor may we judge when we cannot read our own boot or namespace.
  auto blind = me;
  blind.boot_id.reset();
  EXPECT_FALSE(holder_gone(process("old", 42), blind, k.probe()));
  blind = me;
  blind.pid_namespace.reset();
  EXPECT_FALSE(holder_gone(process("old", 42), blind, k.probe()));
}

TEST(holder_gone, we_are_never_gone_to_ourselves) {
  fake_kernel k{};
  EXPECT_FALSE(holder_gone(me, me, k.probe()));
}

TEST(process_identity, this_process_reads_the_kernel) {
  const auto& p = this_process();
  EXPECT_EQ(&p, &this_process());  // read once
  EXPECT_EQ(p.pid, static_cast<int>(::getpid()));
  ASSERT_EQ(p.instance_id.size(), 32u);
  EXPECT_EQ(p.instance_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  ASSERT_TRUE(p.boot_id && p.pid_namespace && p.start_ticks);
  EXPECT_EQ(p.boot_id->size(), 36u);
  EXPECT_TRUE(p.pid_namespace->starts_with("pid:["));
  EXPECT_EQ(process_start_ticks(::getpid()), p.start_ticks);
  EXPECT_FALSE(process_start_ticks(0));
  // A live process of ours is not gone; ourselves under another instance id neither.
  auto twin = p;
  twin.instance_id = random_instance_id();
  EXPECT_FALSE(holder_gone(twin, p));
}

TEST(process_identity, instance_ids_are_random) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(random_instance_id());
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace sluice::store
