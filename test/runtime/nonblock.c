/* A workload that switches its stdout to non-blocking, as node does at start: under a
   profile that lacks fcntl(F_SETFL) it fails, so a recording must see the call. Prints
   "nonblock ok" and exits 0 when the switch held. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  int flags = fcntl(STDOUT_FILENO, F_GETFL);
  if (flags < 0 || fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK) < 0) {
    perror("fcntl");
    return 1;
  }
  if (!(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK)) return 2;
  const char msg[] = "nonblock ok\n";
  return write(STDOUT_FILENO, msg, strlen(msg)) == (ssize_t)strlen(msg) ? 0 : 3;
}
