// A stream of signals while the main process makes exactly 20000 getppid calls. A
// signal that interrupts a call waiting for the recorder's answer makes the kernel
// restart it and notify it again: the recording must still count 20000.
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "announce.h"

static void on_usr1(int sig) { (void)sig; }

int main(void) {
  announce("expect native:write native:rt_sigaction native:getpid native:clone native:kill native:getppid "
           "native:rt_sigreturn native:wait4 native:clock_nanosleep");
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, 0);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    // Paced: unpaced, a signal always pending interrupts every call before its answer
    // and the recording crawls (docs/tracer.md); a real workload's signals are rarer.
    for (;;) {
      kill(parent, SIGUSR1);
      usleep(20);
    }
  }
  for (int i = 0; i < 20000; i++) syscall(SYS_getppid);
  kill(child, SIGKILL);
  waitpid(child, 0, 0);
  return 0;
}
