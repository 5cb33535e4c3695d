// A non-leader thread calls execve: the kernel gives it the leader's tid.
#include <pthread.h>
#include <unistd.h>
#include "announce.h"

static const char* target;

static void* work(void* arg) {
  (void)arg;
  char* argv[] = {(char*)target, 0};
  execv(target, argv);
  return 0;
}

int main(int argc, char** argv) {
  announce("expect native:write native:clone3 native:execve native:futex native:getrandom "
           "native:rt_sigaction native:rt_sigprocmask");
  if (argc < 2) return 2;
  target = argv[1];
  pthread_t t;
  pthread_create(&t, 0, work, 0);
  pthread_join(t, 0);
  return 1;  // not reached: the exec replaces the whole process
}
