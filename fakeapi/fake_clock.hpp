#pragma once
// The fakes' clock: deterministic, so that the same mutations give the same dates on every run.
// It starts after the newest generated record and moves one second per record a mutation stamps.
#include "fakeapi/timestamp.hpp"

namespace sluice::fakeapi {

class fake_clock {
public:
  void start_at(micros first) { now_ = first; }

  // The current instant; the next call answers one second later.
  micros tick() {
    const micros now = now_;
    now_ += micros_per_second;
    return now;
  }

private:
  micros now_ = 0;
};

}  // namespace sluice::fakeapi
