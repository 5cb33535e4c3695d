// Job control through the recorder, as a shell does it: when syscribe runs in the
// foreground of a terminal, the workload gets its own process group and the terminal,
// so Ctrl-C and Ctrl-Z reach the workload as they would without syscribe. When the
// workload stops, syscribe stops too (the shell sees the job stopped); on `fg`,
// syscribe gives the terminal back to the workload and continues it.
#pragma once

#include <sys/types.h>

namespace syscribe::tracer {

class Terminal {
 public:
  // Uses the first of stdin/stdout/stderr that is a terminal whose foreground
  // process group is ours; otherwise the terminal stays inactive.
  void detect();
  bool active() const { return fd_ >= 0; }
  // Makes process group `pgid` the terminal's foreground group.
  void give_to(pid_t pgid) const;
  // Takes the terminal back for syscribe's own group.
  void take_back() const;
  // Stops syscribe with `sig` (SIGTSTP if it was SIGSTOP) and, once continued,
  // hands the terminal back to `pgid` and sends it SIGCONT.
  void suspend_and_resume(pid_t pgid, int sig) const;

 private:
  int fd_ = -1;
};

}  // namespace syscribe::tracer
