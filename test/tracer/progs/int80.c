// An i386 syscall from a 64-bit program: int 0x80 uses the i386 table (getpid is 20).
#include "announce.h"

int main(void) {
  announce("expect native:write i386:getpid");
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
  return ret > 0 ? 0 : 1;
#else
  return 0;
#endif
}
