#include "tracer/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace syscribe::tracer {

namespace {

void put(int fd, const std::string& s) {
  ssize_t ignored = write(fd, s.data(), s.size());
  (void)ignored;
}

winsize terminal_size(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return {};
  return ws;
}

}  // namespace

Progress::Progress(int fd, bool wanted) : fd_(fd), wanted_(wanted), enabled_(wanted && isatty(fd)) {}

Progress::~Progress() { clear(); }

void Progress::reserve_row() {
  winsize ws = terminal_size(fd_);
  int rows = ws.ws_row;
  cols_ = ws.ws_col;
  if (rows == rows_) return;
  if (rows < 3) {
    // Too small for a row of its own, or resized to that: no status line.
    if (rows_ > 0) put(fd_, "\0337\033[r\0338");
    rows_ = 0;
    return;
  }
  // A newline first so the cursor is above the last row, then the scroll region ends one
  // row up (setting it homes the cursor, hence the save and restore).
  put(fd_, fmt::format("\n\033[1A\0337\033[1;{}r\0338", rows - 1));
  rows_ = rows;
}

void Progress::update(double now, const LiveStats& s, const std::string& phase) {
  if (!enabled_ || now - last_draw_ < 0.24) return;
  std::lock_guard<std::mutex> lock(mu_);
  last_draw_ = now;
  history_.emplace_back(now, s.distinct);
  while (history_.size() > 1 && now - history_.front().first > 1.0) history_.pop_front();
  size_t fresh = s.distinct - history_.front().second;
  reserve_row();
  if (rows_ == 0) return;
  std::string status = fmt::format("syscribe: {}{} processes alive, {} syscalls, {} distinct, {} new in the last second",
                                   phase.empty() ? "" : "phase " + phase + ": ", s.processes_alive, s.syscalls,
                                   s.distinct, fresh);
  // Cut to the width: a wrap on the last row would scroll the whole screen.
  if (cols_ > 1 && status.size() >= cols_) status.resize(cols_ - 1);
  // Save the cursor, draw on the reserved row, restore: the scroll region is untouched.
  put(fd_, fmt::format("\0337\033[{};1H\033[2K{}\0338", rows_, status));
}

void Progress::note(const std::string& line) {
  if (!wanted_) return;
  std::lock_guard<std::mutex> lock(mu_);
  put(fd_, line + "\n");
}

void Progress::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  if (rows_ == 0) return;
  put(fd_, fmt::format("\0337\033[r\033[{};1H\033[2K\0338", rows_));
  rows_ = 0;
}

}  // namespace syscribe::tracer
