// Built with -m32: every syscall is i386.
#include <fcntl.h>
#include <sys/syscall.h>
#include "announce.h"

int main(void) {
  announce("expect native:write native:getppid native:openat");
  syscall(SYS_getppid);
  int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
  close(fd);
  return 0;
}
