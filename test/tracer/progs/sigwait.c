// Waits for SIGUSR1 or SIGTERM and exits with 10 + the signal number: checks that a
// signal sent to syscribe reaches the workload.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on(int sig) { got = sig; }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on;
  sigaction(SIGUSR1, &sa, 0);
  sigaction(SIGTERM, &sa, 0);
  printf("ready\n");
  fflush(stdout);
  while (!got) pause();
  return 10 + got;
}
