#include "tracer/progress.h"

#include <unistd.h>

#include <fmt/format.h>

namespace syscribe::tracer {

Progress::Progress(int fd, bool wanted) : fd_(fd), enabled_(wanted && isatty(fd)) {}

void Progress::update(double now, const LiveStats& s) {
  if (!enabled_ || now - last_draw_ < 0.24) return;
  last_draw_ = now;
  history_.emplace_back(now, s.distinct);
  while (history_.size() > 1 && now - history_.front().first > 1.0) history_.pop_front();
  size_t fresh = s.distinct - history_.front().second;
  std::string line = fmt::format("\r\033[Ksyscribe: {} processes alive, {} syscalls, {} distinct, {} new in the last second",
                                 s.processes_alive, s.syscalls, s.distinct, fresh);
  ssize_t ignored = write(fd_, line.data(), line.size());
  (void)ignored;
  drawn_ = true;
}

void Progress::clear() {
  if (!drawn_) return;
  const char erase[] = "\r\033[K";
  ssize_t ignored = write(fd_, erase, sizeof erase - 1);
  (void)ignored;
  drawn_ = false;
}

}  // namespace syscribe::tracer
