// Handlers run (the signals reach the program unchanged through the tracer), then
// the program exits with the number of handled signals.
#include <signal.h>
#include "announce.h"

static volatile sig_atomic_t handled;
static void on(int sig) { (void)sig; handled++; }

int main(void) {
  announce("expect native:write native:rt_sigaction native:kill native:getpid native:rt_sigreturn "
           "native:tgkill native:gettid");
  struct sigaction sa = {0};
  sa.sa_handler = on;
  sigaction(SIGUSR1, &sa, 0);
  sigaction(SIGUSR2, &sa, 0);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR2);
  return handled;
}
