// The one-line live status on a terminal ("phase serving: 3 processes alive, 12034
// syscalls, 87 distinct, 2 new in the last second"), redrawn at most four times a second.
//
// It lives on the terminal's last row, outside a scroll region that holds everything else
// (the workload's output, our notes), so the workload's output never shares a line with
// it, however it is written (a partial line, a carriage return). clear() gives the row
// back. Without a terminal, or when not wanted, nothing is drawn.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "tracer/recorder.h"

namespace syscribe::tracer {

class Progress {
 public:
  // The status line is enabled only when `fd` is a terminal and `wanted`; notes are
  // printed whenever `wanted`.
  Progress(int fd, bool wanted);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  bool enabled() const { return enabled_; }
  // Redraws if at least 0.25 s passed since the last draw. `phase` is the current one.
  void update(double now, const LiveStats& s, const std::string& phase = "");
  // Prints `line` (and a newline) above the status line; any thread may call it.
  void note(const std::string& line);
  // Erases the status line and gives its row back to the scroll region.
  void clear();

 private:
  void reserve_row();  // with mu_ held
  int fd_;
  bool wanted_;
  bool enabled_;
  std::mutex mu_;
  int rows_ = 0;  // of the terminal when the row was reserved; 0: none reserved
  size_t cols_ = 0;
  double last_draw_ = -1;
  std::deque<std::pair<double, size_t>> history_;  // (time, distinct) over the last second
};

}  // namespace syscribe::tracer
