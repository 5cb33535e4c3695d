/* Runs CMD and prints its peak RSS as the kernel counts it for wait4 (ru_maxrss, KiB) on
 * stderr as the last line: "maxrss: N KiB". Exits with CMD's status (128+N for signal N).
 * It exists because a child forked from a large process (Python) inherits the parent's
 * high-water mark until exec, which wait4 would report; this launcher is small. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: maxrss CMD [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("maxrss: fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) {
    perror("maxrss: wait4");
    return 1;
  }
  fprintf(stderr, "maxrss: %ld KiB\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
