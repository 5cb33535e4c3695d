/* Stops itself with SIGSTOP; whoever runs it sends SIGCONT. Prints before and after. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("stopping %d\n", getpid());
  fflush(stdout);
  raise(SIGSTOP);
  printf("continued\n");
  return 0;
}
