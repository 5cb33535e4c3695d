/* Workload for the `syscribe run` tests. "base" writes a line; "extra" also calls
 * unshare(CLONE_NEWUTS) and socket(AF_NETLINK), which a profile recorded from "base"
 * denies, and prints the errno each got so the test can check the kernel's verdict.
 * "int80" makes an i386 getpid (int 0x80) and prints "int80 ok" if it
 * returned; elsewhere than x86_64 it prints "int80 unsupported".
 * "traceme" is a debugger's child: PTRACE_TRACEME, prints what it got, then execs itself as
 * "base" (a traced process would stop at that exec for its tracer). "stop" raises SIGSTOP
 * after "stopping", so a test can check a stopped workload still ends on a signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <asm/unistd_32.h> /* i386 numbers: __NR_getpid is the i386 one here */
#endif

/* It outlives the join call, so the join always waits on a futex (recorded and run alike). */
static void* worker(void* arg) {
  usleep(20000);
  return arg;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "threads") == 0) {
    /* glibc tries clone3 first and falls back to clone on ENOSYS. */
    pthread_t t;
    int rc = pthread_create(&t, 0, worker, 0);
    if (rc == 0) pthread_join(t, 0);
    printf("thread %s\n", rc == 0 ? "ok" : strerror(rc));
    return 7;
  }
  if (argc > 1 && strcmp(argv[1], "traceme") == 0) {
    long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
    printf("traceme=%ld errno=%d\n", r, r < 0 ? errno : 0);
    fflush(stdout);
    execl(argv[0], argv[0], "base", (char*)0);
    return 126;
  }
  if (argc > 1 && strcmp(argv[1], "stop") == 0) {
    printf("stopping\n");
    fflush(stdout);
    raise(SIGSTOP);
    printf("continued\n");
    return 0;
  }
  int extra = argc > 1 && strcmp(argv[1], "extra") == 0;
  printf("probe start\n");
  if (extra) {
    int r = unshare(CLONE_NEWUTS);
    printf("unshare=%d errno=%d\n", r, r < 0 ? errno : 0);
    int s = socket(AF_NETLINK, SOCK_RAW, 0);
    printf("socket=%d errno=%d\n", s < 0 ? -1 : 0, s < 0 ? errno : 0);
  }
  if (argc > 1 && strcmp(argv[1], "int80") == 0) {
#if defined(__x86_64__)
    fflush(stdout);
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"((long)__NR_getpid) : "memory");
    printf("int80 %s\n", ret > 0 ? "ok" : "failed");
#else
    printf("int80 unsupported\n");
#endif
    return 0;
  }
  printf("probe end\n");
  return 7;
}
