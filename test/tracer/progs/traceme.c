// A debugger's child: PTRACE_TRACEME, then (with "stop") SIGSTOP to itself, waiting for
// its tracer. Under a recorder it is already traced, so the kernel answers EPERM; exit
// status 0 says it got exactly that. "stop" then checks that the recorder still ends a
// stopped workload when it is asked to (SIGTERM, SIGINT to syscribe).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>

#include "announce.h"

int main(int argc, char** argv) {
  announce("expect native:ptrace native:write");
  long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
  int err = r < 0 ? errno : 0;
  char line[64];
  snprintf(line, sizeof line, "traceme=%ld errno=%d", r, err);
  announce(line);  /* write(2) only: stdio would add its own calls */
  if (argc > 1 && strcmp(argv[1], "stop") == 0) {
    announce("stopping");
    raise(SIGSTOP);
    announce("continued");
  }
  return r == -1 && err == EPERM ? 0 : 3;
}
