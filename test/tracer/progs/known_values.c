// Argument-sensitive calls for the --known test: "base" makes the calls a first recording
// knows; "more" makes them again (one fcntl with garbage in cmd's high half, which the
// recorder cuts off) plus the same syscalls with values the first recording never saw:
// a new tuple made of values seen separately (AF_INET with SOCK_DGRAM), a new socket
// option, a new fcntl command, a new mmap prot. Exits 1 naming the call that failed, so
// the runner sees that the calls let through without a stop still worked.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failed(const char* what) {
  printf("failed: %s\n", what);
  return 1;
}

int main(int argc, char** argv) {
  int more = argc > 1 && strcmp(argv[1], "more") == 0;
  int one = 1;
  int inet = socket(AF_INET, SOCK_STREAM, 0);
  int unix_dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (inet < 0 || unix_dgram < 0) return failed("socket");
  if (setsockopt(inet, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return failed("setsockopt SO_REUSEADDR");
  if (fcntl(inet, F_GETFL) < 0) return failed("fcntl F_GETFL");
  void* rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rw == MAP_FAILED) return failed("mmap PROT_READ|PROT_WRITE");
  if (more) {
    // cmd is an int: the kernel and the recorder look at its low half only.
    if (syscall(SYS_fcntl, inet, (long)(F_GETFL | (0xdeadL << 32))) < 0) return failed("fcntl F_GETFL, high garbage");
    int inet_dgram = socket(AF_INET, SOCK_DGRAM, 0);
    if (inet_dgram < 0) return failed("socket AF_INET SOCK_DGRAM");
    if (setsockopt(inet, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0) return failed("setsockopt SO_KEEPALIVE");
    if (fcntl(inet, F_GETFD) < 0) return failed("fcntl F_GETFD");
    void* w = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) return failed("mmap PROT_WRITE");
    close(inet_dgram);
  }
  close(inet);
  close(unix_dgram);
  puts("ok");
  return 0;
}
