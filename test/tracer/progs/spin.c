// Runs until killed, calling getppid in a loop (attach/detach tests), or N times
// when given a count (benchmark).
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : -1;
  for (long i = 0; n < 0 || i < n; ++i) {
    syscall(SYS_getppid);
    if (n < 0) usleep(1000);
  }
  return 0;
}
