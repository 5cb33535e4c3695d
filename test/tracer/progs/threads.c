#include <pthread.h>
#include <sys/syscall.h>
#include "announce.h"

static void* work(void* arg) {
  (void)arg;
  syscall(SYS_getppid);  // a call only the threads make
  return 0;
}

// pthread_create/join also block signals around clone3, seed malloc (getrandom) and
// release the thread stacks (madvise).
int main(void) {
  announce("expect native:write native:clone3 native:getppid native:exit native:futex native:madvise "
           "native:getrandom native:rt_sigaction native:rt_sigprocmask");
  pthread_t t[3];
  for (int i = 0; i < 3; ++i) pthread_create(&t[i], 0, work, 0);
  for (int i = 0; i < 3; ++i) pthread_join(t[i], 0);
  return 0;
}
