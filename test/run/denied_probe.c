/* Workload for the `syscribe run` tests. "base" writes a line; "extra" also calls
 * unshare(CLONE_NEWUTS) and socket(AF_NETLINK), which a profile recorded from "base"
 * denies, and prints the errno each got so the test can check the kernel's verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int extra = argc > 1 && strcmp(argv[1], "extra") == 0;
  printf("probe start\n");
  if (extra) {
    int r = unshare(CLONE_NEWUTS);
    printf("unshare=%d errno=%d\n", r, r < 0 ? errno : 0);
    int s = socket(AF_NETLINK, SOCK_RAW, 0);
    printf("socket=%d errno=%d\n", s < 0 ? -1 : 0, s < 0 ? errno : 0);
  }
  printf("probe end\n");
  return 7;
}
