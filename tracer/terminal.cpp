#include "tracer/terminal.h"

#include <csignal>
#include <termios.h>
#include <unistd.h>

namespace syscribe::tracer {

namespace {

// tcsetpgrp from a background group raises SIGTTOU: block it for the call.
void set_foreground(int fd, pid_t pgid) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTTOU);
  sigprocmask(SIG_BLOCK, &block, &old);
  tcsetpgrp(fd, pgid);
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

void Terminal::detect() {
  fd_ = -1;
  for (int fd = 0; fd <= 2; ++fd) {
    if (isatty(fd) && tcgetpgrp(fd) == getpgrp()) {
      fd_ = fd;
      return;
    }
  }
}

void Terminal::give_to(pid_t pgid) const {
  if (fd_ >= 0) set_foreground(fd_, pgid);
}

void Terminal::take_back() const {
  if (fd_ >= 0) set_foreground(fd_, getpgrp());
}

void Terminal::suspend_and_resume(pid_t pgid, int sig) const {
  if (fd_ < 0) return;
  take_back();
  // SIGSTOP cannot be caught, which is what we want; TSTP/TTIN/TTOU stop us by default
  // as long as we did not install handlers for them (we do not).
  kill(getpid(), sig == SIGSTOP ? SIGTSTP : sig);
  // Continued by the shell (fg): the workload gets the terminal and continues too.
  give_to(pgid);
  kill(-pgid, SIGCONT);
}

}  // namespace syscribe::tracer
