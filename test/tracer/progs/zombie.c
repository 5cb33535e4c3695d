// A child that stays a zombie for a while, reaped late; a second left to init.
#include <sys/wait.h>
#include "announce.h"

// Under any tracer the SIGCHLD of the first child stops the parent in its sleep, which
// the kernel then resumes with restart_syscall (strace sees the same). The child sleeps
// first, so that its exit finds the parent asleep: a SIGCHLD that arrives while the
// parent's clock_nanosleep is still waiting for the recorder (the notify engine) restarts
// the call itself, not restart_syscall.
int main(void) {
  announce("expect native:write native:clone native:exit_group native:clock_nanosleep native:wait4 "
           "native:restart_syscall");
  pid_t c = fork();
  if (c == 0) {
    usleep(50000);
    _exit(5);
  }
  usleep(200000);
  int st;
  waitpid(c, &st, 0);
  if (fork() == 0) _exit(0);
  return WEXITSTATUS(st) == 5 ? 0 : 1;
}
