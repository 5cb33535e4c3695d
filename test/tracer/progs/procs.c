// fork, vfork + exec, and a raw clone3 child; all reaped.
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "announce.h"

int main(int argc, char** argv) {
  announce("expect native:write native:clone native:vfork native:clone3 native:wait4 native:getppid "
           "native:exit_group");
  if (argc < 2) return 2;
  pid_t a = fork();
  if (a == 0) {
    syscall(SYS_getppid);
    _exit(0);
  }
  waitpid(a, 0, 0);
  pid_t b = vfork();
  if (b == 0) {
    char* av[] = {argv[1], 0};
    execv(argv[1], av);
    _exit(127);
  }
  waitpid(b, 0, 0);
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.exit_signal = SIGCHLD;
  long c = syscall(SYS_clone3, &ca, sizeof ca);
  if (c == 0) {
    syscall(SYS_getppid);
    syscall(SYS_exit_group, 0);
  }
  waitpid((pid_t)c, 0, 0);
  return 0;
}
