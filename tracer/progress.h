// The one-line live status on a terminal ("3 processes, 12034 syscalls, 87 distinct,
// +2 new/s"), redrawn at most four times a second, erased before other output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <utility>

#include "tracer/recorder.h"

namespace syscribe::tracer {

class Progress {
 public:
  // Enabled only when `fd` is a terminal and `wanted`.
  Progress(int fd, bool wanted);
  bool enabled() const { return enabled_; }
  // Redraws if at least 0.25 s passed since the last draw.
  void update(double now, const LiveStats& s);
  // Erases the line.
  void clear();

 private:
  int fd_;
  bool enabled_;
  bool drawn_ = false;
  double last_draw_ = -1;
  std::deque<std::pair<double, size_t>> history_;  // (time, distinct) over the last second
};

}  // namespace syscribe::tracer
