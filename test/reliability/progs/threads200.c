/* 200 threads started at once, each making a few syscalls, all joined. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 200
static pthread_barrier_t barrier;

static void* worker(void* arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
  syscall(SYS_getppid);
  usleep(1000);
  return NULL;
}

int main(void) {
  pthread_t t[N];
  pthread_barrier_init(&barrier, NULL, N);
  for (int i = 0; i < N; i++)
    if (pthread_create(&t[i], NULL, worker, NULL) != 0) return 1;
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  printf("joined %d\n", N);
  return 0;
}
