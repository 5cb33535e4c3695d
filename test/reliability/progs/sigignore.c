/* Ignores SIGTERM, blocks SIGUSR1 and sends both to itself: the ignored one must not
 * kill it and the blocked one must stay pending, exactly as without a tracer. */
#include <signal.h>
#include <stdio.h>

int main(void) {
  signal(SIGTERM, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGTERM);
  raise(SIGUSR1);
  sigset_t pending;
  sigpending(&pending);
  printf("pending USR1=%d\n", sigismember(&pending, SIGUSR1));
  return 0;
}
