/* A threaded workload for the container tests: four threads (glibc's pthread_create tries
   clone3 first; under a generated profile that gets the ENOSYS stub and falls back to clone),
   each adding to a sum under a mutex, and stdio that must be pipes, as podman gives a
   container without a terminal. Reads a line from stdin and prints
   "stdin pipe, stdout pipe", "threads 4 sum 10", "read: LINE"; exit 0. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum { kThreads = 4 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int sum;

static void* work(void* arg) {
  pthread_mutex_lock(&mu);
  sum += (int)(long)arg;
  pthread_mutex_unlock(&mu);
  return 0;
}

static const char* kind(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return "closed";
  return S_ISFIFO(st.st_mode) ? "pipe" : S_ISREG(st.st_mode) ? "file" : S_ISCHR(st.st_mode) ? "tty-or-device" : "other";
}

int main(void) {
  printf("stdin %s, stdout %s\n", kind(0), kind(1));
  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; ++i) {
    int rc = pthread_create(&t[i], 0, work, (void*)(i + 1));
    if (rc != 0) {
      printf("pthread_create: %s\n", strerror(rc));
      return 1;
    }
  }
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], 0);
  printf("threads %d sum %d\n", kThreads, sum);
  char line[128];
  if (!fgets(line, sizeof line, stdin)) line[0] = '\0';
  line[strcspn(line, "\n")] = '\0';
  printf("read: %s\n", line);
  return 0;
}
