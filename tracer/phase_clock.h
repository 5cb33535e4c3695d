// The recording's clock and its current phase. The main loop reads the phase at every
// stop (one relaxed atomic load); any thread may switch it: a readiness checker, the
// control socket, the lifecycle driver, or the main loop itself when the workload's main
// process receives a reload or stop signal. Every switch is kept as an evidence Mark.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "evidence/evidence.h"

namespace syscribe::tracer {

class PhaseClock {
 public:
  // Starts the clock now, in phase `first` (marked with `source`).
  PhaseClock(const std::string& first, const std::string& source);

  // Seconds since the recording started (CLOCK_MONOTONIC).
  double now() const;
  // Index of the current phase; stable for the whole recording.
  uint32_t current() const { return current_.load(std::memory_order_acquire); }
  // Switches to phase `name` (created on first use) and records the mark. Thread-safe.
  // Switching to the phase already current only adds the mark.
  void switch_to(const std::string& name, const std::string& source);

  std::string name(uint32_t index) const;
  std::string current_name() const { return name(current()); }
  std::vector<ev::Mark> marks() const;
  // Number of phases created so far.
  size_t count() const;

 private:
  uint32_t index_of_locked(const std::string& name);

  timespec start_{};
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::vector<ev::Mark> marks_;
  std::atomic<uint32_t> current_{0};
};

}  // namespace syscribe::tracer
