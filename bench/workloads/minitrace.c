/* The floor a seccomp-assisted tracer can reach: launch CMD with a filter returning
 * SECCOMP_RET_TRACE for every syscall, and per stop do one PTRACE_GET_SYSCALL_INFO and
 * one PTRACE_CONT, counting nothing. Follows forks, clones and execs; passes signals on.
 * The benchmark compares syscribe record against it. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: minitrace CMD [ARGS...]\n");
    return 2;
  }
  int sync_pipe[2];
  if (pipe(sync_pipe) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(sync_pipe[1]);
    if (read(sync_pipe[0], &c, 1) != 1) _exit(1);
    struct sock_filter filter[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
    struct sock_fprog prog = {1, filter};
    if (geteuid() != 0) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) _exit(1);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
              PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, child, 0, opts) != 0) return 1;
  close(sync_pipe[0]);
  if (write(sync_pipe[1], "x", 1) != 1) return 1;
  close(sync_pipe[1]);
  int exit_status = 0;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child) exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    int sig = 0;
    int event = status >> 16;
    if (event == PTRACE_EVENT_SECCOMP) {
      struct __ptrace_syscall_info info;
      ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
    } else if (event == PTRACE_EVENT_STOP) {
      int s = WSTOPSIG(status);
      if (s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU) {
        ptrace(PTRACE_LISTEN, pid, 0, 0);
        continue;
      }
    } else if (event == 0) {
      sig = WSTOPSIG(status);
    }
    ptrace(PTRACE_CONT, pid, 0, sig);
  }
  return exit_status;
}
