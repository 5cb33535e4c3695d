/* Benchmark workload: a tree of N processes (fan-out F) that are all alive at once.
 * Each process forks its share of the tree, reports itself started on a pipe, makes a
 * few syscalls (getppid, open/read/close of /etc/hostname); leaves then wait on a second
 * pipe until the root has seen all N start and inner nodes wait for their children, so
 * the tracer holds N live processes at its peak. Exits 0 when every process exited 0. Usage: fork_tree [N] [F] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int started[2], release_pipe[2];

static void work(void) {
  char buf[64];
  syscall(SYS_getppid);
  int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, buf, sizeof buf) < 0) _exit(1);
    close(fd);
  }
}

/* Forks `budget` descendants below the calling process, at most `fanout` children each;
 * returns 0 when all children exited 0. */
static int grow(long budget, int fanout) {
  pid_t kids[64];
  int n = 0;
  long left = budget;
  for (int k = 0; k < fanout && left > 0; k++) {
    long share = (budget + fanout - 1) / fanout;
    if (share > left) share = left;
    left -= share;
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork_tree: fork");
      return 1;
    }
    if (pid == 0) {
      close(release_pipe[1]);
      work();
      if (write(started[1], "x", 1) != 1) _exit(1);
      if (share > 1) _exit(grow(share - 1, fanout)); /* inner node: waits for its subtree */
      char c;
      if (read(release_pipe[0], &c, 1) < 0) _exit(1); /* a leaf: EOF once the root lets go */
      _exit(0);
    }
    kids[n++] = pid;
  }
  int rc = 0;
  for (int k = 0; k < n; k++) {
    int status;
    if (waitpid(kids[k], &status, 0) != kids[k] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) rc = 1;
  }
  return rc;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  int fanout = argc > 2 ? atoi(argv[2]) : 10;
  if (n < 2 || fanout < 1 || fanout > 64) {
    fprintf(stderr, "usage: fork_tree [N>=2] [1<=F<=64]\n");
    return 2;
  }
  if (pipe(started) != 0 || pipe(release_pipe) != 0) return 1;
  pid_t root_child = fork();
  if (root_child == 0) {
    /* A child does the growing so the root only counts and releases. */
    close(release_pipe[1]);
    work();
    if (write(started[1], "x", 1) != 1) _exit(1);
    _exit(grow(n - 2, fanout));
  }
  close(started[1]);
  close(release_pipe[0]);
  work();
  long seen = 0;
  char c;
  while (seen < n - 1 && read(started[0], &c, 1) == 1) seen++;
  close(release_pipe[1]);
  int status;
  waitpid(root_child, &status, 0);
  if (seen != n - 1) {
    fprintf(stderr, "fork_tree: %ld of %ld processes started\n", seen + 1, n);
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
