/* Tries to trace its own child. Under a tracer that follows forks the child is traced
 * already, so PTRACE_TRACEME fails (EPERM) just as under strace -f; the program reports
 * what it got and must not hang. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  pid_t child = fork();
  if (child == 0) {
    long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
    printf("traceme=%ld errno=%d\n", r, r < 0 ? errno : 0);
    fflush(stdout);
    if (r == 0) raise(SIGSTOP);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  if (WIFSTOPPED(status)) {  /* untraced run: we became its tracer */
    ptrace(PTRACE_DETACH, child, 0, 0);
    waitpid(child, &status, 0);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
