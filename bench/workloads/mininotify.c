/* The floor for the notify engine: a minimal seccomp user-notification "recorder". The
 * child loads a filter that notifies every syscall, hands the listener over (it spins on
 * shared memory meanwhile: any syscall would wait for an answer nobody can give yet), and
 * execs CMD. One supervisor thread answers every notification with CONTINUE, after the
 * listener is switched to synchronous wake-up where the kernel has it (Linux 6.6). It
 * counts, nothing more: no ptrace, no identities, no aggregation.
 * --supervisors N answers with N threads blocking on the same listener (does a second help?).
 * Usage: mininotify [--async] [--supervisors N] CMD [ARGS...]; prints the count and the
 * wake-up mode on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL
#endif

struct shared {
  atomic_int fd;
  atomic_int go;
};

static int listener;
static atomic_ulong answered;

static void* serve(void* arg) {
  (void)arg;
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  for (;;) {
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == EINTR || errno == ENOENT) continue;
      return NULL;
    }
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    atomic_fetch_add(&answered, 1);
  }
}

int main(int argc, char** argv) {
  int sync = 1, first = 1, supervisors = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (strcmp(argv[first], "--async") == 0) sync = 0;
    else if (strcmp(argv[first], "--supervisors") == 0 && first + 1 < argc) supervisors = atoi(argv[++first]);
    else break;
  }
  if (argc <= first || supervisors < 1 || supervisors > 16) {
    fprintf(stderr, "usage: mininotify [--async] [--supervisors N] CMD [ARGS...]\n");
    return 2;
  }
  struct shared* sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  atomic_init(&sh->fd, -1);
  atomic_init(&sh->go, 0);
  struct sock_filter all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)};
  struct sock_fprog prog = {1, all};
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0) _exit(126);
    atomic_store(&sh->fd, (int)fd);
    while (!atomic_load(&sh->go)) {
    }
    execvp(argv[first], argv + first);
    _exit(127);
  }
  while (atomic_load(&sh->fd) < 0) {
    if (waitpid(child, NULL, WNOHANG) == child) {
      fprintf(stderr, "mininotify: the kernel refused a listener\n");
      return 1;
    }
  }
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  listener = (int)syscall(SYS_pidfd_getfd, pidfd, atomic_load(&sh->fd), 0);
  if (listener < 0) {
    perror("mininotify: pidfd_getfd");
    return 1;
  }
  int synced = sync && ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
  pthread_t t;
  for (int i = 0; i < supervisors; i++) pthread_create(&t, NULL, serve, NULL);
  atomic_store(&sh->go, 1);
  int status = 0, rc = 0;
  pid_t w;
  while ((w = waitpid(-1, &status, 0)) > 0 || errno == EINTR)
    if (w == child) rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(stderr, "mininotify: %lu calls answered by %d supervisor(s), %s wake-up\n", atomic_load(&answered),
          supervisors, synced ? "synchronous" : "asynchronous");
  return rc;
}
