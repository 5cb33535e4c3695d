/* Benchmark workload: N open/read/close of one small file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  const char* path = argc > 2 ? argv[2] : "/etc/hostname";
  char buf[256];
  for (long i = 0; i < n; i++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      perror(path);
      return 1;
    }
    if (read(fd, buf, sizeof buf) < 0) return 1;
    close(fd);
  }
  return 0;
}
