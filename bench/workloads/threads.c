/* Benchmark workload: T threads, each making N getppid() calls at once, optionally with
 * W iterations of busy work before each call (so a placement that puts every thread on
 * one CPU shows up as lost parallelism). Usage: threads [T] [N] [W] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long per_thread;
static long work_per_call;

static void* worker(void* arg) {
  (void)arg;
  for (long i = 0; i < per_thread; i++) {
    for (volatile long w = 0; w < work_per_call; w++) {
    }
    syscall(SYS_getppid);
  }
  return NULL;
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  per_thread = argc > 2 ? atol(argv[2]) : 100000;
  work_per_call = argc > 3 ? atol(argv[3]) : 0;
  pthread_t tid[64];
  if (threads > 64) threads = 64;
  for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  return 0;
}
