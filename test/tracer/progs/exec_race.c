// Threads making syscalls while another thread execs: the kernel kills them in the
// middle of their calls (some waiting for the recorder's answer). The exec must still
// be recorded and the new program run.
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "announce.h"

static const char* target;
static atomic_long calls;

static void* spin(void* arg) {
  (void)arg;
  for (;;) {
    syscall(SYS_getppid);
    atomic_fetch_add(&calls, 1);
  }
  return 0;
}

static void* execer(void* arg) {
  (void)arg;
  while (atomic_load(&calls) < 2000) {
  }
  char* argv[] = {(char*)target, 0};
  execv(target, argv);
  return 0;
}

int main(int argc, char** argv) {
  announce("expect native:write native:clone3 native:execve native:getppid native:futex native:getrandom "
           "native:rt_sigaction native:rt_sigprocmask");
  if (argc < 2) return 2;
  target = argv[1];
  pthread_t t;
  for (int i = 0; i < 3; i++) pthread_create(&t, 0, spin, 0);
  pthread_create(&t, 0, execer, 0);
  spin(0);
  return 1;  // not reached
}
