/* Benchmark workload: T threads, each making N getppid() calls at once. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long per_thread;

static void* worker(void* arg) {
  (void)arg;
  for (long i = 0; i < per_thread; i++) syscall(SYS_getppid);
  return NULL;
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  per_thread = argc > 2 ? atol(argv[2]) : 100000;
  pthread_t tid[64];
  if (threads > 64) threads = 64;
  for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  return 0;
}
