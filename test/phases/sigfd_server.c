/* A server that takes its signals through a signalfd, as many event-loop daemons do:
 * SIGHUP and SIGTERM stay blocked and are read from the fd, so no signal is ever
 * delivered (no signal-delivery stop for a tracer to see). It calls getppid() when it is
 * ready (the fd set up) and again when it has reloaded (on SIGHUP); on SIGTERM it calls
 * umask() (its shutdown path) and exits 0. */
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return 1;
  int fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) return 1;
  getppid();
  for (;;) {
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) != sizeof si) return 1;
    if (si.ssi_signo == SIGHUP) getppid();
    if (si.ssi_signo == SIGTERM) {
      umask(022);
      return 0;
    }
  }
}
