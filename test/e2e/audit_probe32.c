/* The i386 half of audit_probe: built with gcc -m32 -static and exec'd under the
   probe's filter, so the kernel reports getppid with arch=40000003 and its i386 number. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  long r = syscall(SYS_getppid);
  fprintf(stderr, "i386 getppid returned %ld\n", r);
  return 0;
}
