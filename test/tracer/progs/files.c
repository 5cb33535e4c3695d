#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include "announce.h"

int main(int argc, char** argv) {
  announce("expect native:write native:openat native:newfstatat native:lseek native:renameat native:unlinkat "
           "native:mkdirat native:pipe2 native:dup3 native:close");
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  char a[512], b[512], d[512];
  snprintf(a, sizeof a, "%s/files-a", dir);
  snprintf(b, sizeof b, "%s/files-b", dir);
  snprintf(d, sizeof d, "%s/files-d", dir);
  int fd = openat(AT_FDCWD, a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ssize_t w = write(fd, "x", 1);  // fails with EBADF when the directory is missing (--results test)
  (void)w;
  struct stat st;  // glibc implements fstat with newfstatat(fd, "", AT_EMPTY_PATH)
  fstat(fd, &st);
  lseek(fd, 0, SEEK_SET);
  close(fd);
  renameat(AT_FDCWD, a, AT_FDCWD, b);
  unlinkat(AT_FDCWD, b, 0);
  mkdirat(AT_FDCWD, d, 0755);
  unlinkat(AT_FDCWD, d, AT_REMOVEDIR);
  int p[2];
  pipe2(p, O_CLOEXEC);
  dup3(p[0], 10, O_CLOEXEC);
  close(p[0]);
  close(p[1]);
  close(10);
  return 0;
}
