// Starts two children that sleep, prints their pids, and sleeps: the kill -9 test
// checks that nothing of it remains once the recorder dies.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 2; ++i) {
    pid_t c = fork();
    if (c == 0) {
      for (;;) pause();
    }
    printf("%d\n", c);
  }
  printf("%d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
