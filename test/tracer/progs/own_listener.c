// A workload that installs a seccomp filter with a listener of its own, as a container
// runtime or sandbox would. Prints "listener ok" or the error. With arguments, it then
// execs them with the listener still open: a program started under a listener (its filter
// allows everything), where a second listener in the chain is refused with EBUSY.
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, allow};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  printf("listener %s\n", fd >= 0 ? "ok" : strerror(errno));
  fflush(stdout);
  if (argc > 1) {
    // Kept open across the exec: a filter's listener counts only while its fd is open.
    if (fd >= 0) fcntl((int)fd, F_SETFD, 0);
    execv(argv[1], argv + 1);
    perror("execv");
    return 127;
  }
  return 0;
}
