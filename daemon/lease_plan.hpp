#pragma once
// How `sluice run` instances share sources: each lease round decides which
// free sources to take and which of ours to hand over, from what the database shows. Pure, so
// the sharing rules are tested without processes or clocks.
//
//   target = ceil(configured sources / live instances)
//   - take free sources (no live lease) up to the target, in an order that differs per instance
//     so that instances starting together do not all reach for the same source first;
//   - above the target, still take a free source when no other live instance that has it
//     configured has room for it (an orphan must not wait forever);
//   - hand over sources above the target when another live instance with room has them
//     configured (a new instance gets its share without anyone restarting): idle ones at once,
//     busy ones drained first (no new run starts on them; a later round hands them over idle);
//   - hand back leases on sources we no longer have configured (a reload removed them), once idle.
// A source in `busy` (a run in flight) is never released here: a run is never cut short to
// share. Without the drain, a source whose streams run every few seconds would almost never be
// seen idle, and a new instance could wait indefinitely for its share.
#include <set>
#include <string>
#include <vector>

#include "store/leases.hpp"

namespace sluice::daemon {

struct lease_view {
  std::string me;                              // our holder name
  std::vector<std::string> wanted;             // our configured sources
  std::vector<store::instance_row> instances;  // live instances, ours included
  std::vector<store::lease_row> leases;        // every lease row (live evaluated)
  std::set<std::string> busy;                  // our sources with work in flight
};

struct lease_plan {
  std::vector<std::string> acquire;
  std::vector<std::string> release;
  std::vector<std::string> drain;  // to hand over once idle: start nothing new on them
  std::size_t target = 0;
};

lease_plan plan_leases(const lease_view& view);

}  // namespace sluice::daemon
