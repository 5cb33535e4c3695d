/* Exits (status 3) while four threads are blocked in read() and nanosleep(). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void* reader(void* arg) {
  char c;
  (void)arg;
  read(fds[0], &c, 1);
  return NULL;
}

static void* sleeper(void* arg) {
  struct timespec ts = {60, 0};
  (void)arg;
  nanosleep(&ts, NULL);
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pipe(fds) != 0) return 1;
  for (int i = 0; i < 2; i++) pthread_create(&t, NULL, reader, NULL);
  for (int i = 0; i < 2; i++) pthread_create(&t, NULL, sleeper, NULL);
  usleep(50000);
  exit(3);
}
