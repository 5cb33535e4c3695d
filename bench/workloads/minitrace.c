/* The floor a seccomp-assisted tracer can reach: launch CMD with a filter returning
 * SECCOMP_RET_TRACE for every syscall, and per stop do one PTRACE_GET_SYSCALL_INFO and
 * one PTRACE_CONT, counting nothing. Follows forks, clones and execs; passes signals on.
 * The benchmark compares syscribe record against it.
 *
 * It also carries the placement experiments (where the tracer runs relative to its
 * tracees), because on a VM waking a tracer that sleeps on another, idle vCPU costs far
 * more than the ptrace work itself:
 *
 *   --placement default   leave it to the scheduler
 *   --placement same      pin tracer and workload to one CPU (the workload inherits it)
 *   --placement split     workload on CPU 0, tracer on CPU 1: every wake-up crosses CPUs
 *                         (what default placement costs at worst)
 *   --placement follow    before resuming a tracee, move the tracer to the CPU the tracee
 *                         last ran on (/proc/TID/stat field 39), only when it differs;
 *                         looked up on every FOLLOW_EVERY-th stop (reading the field costs
 *                         a few µs, about as much as the stop itself)
 *   --fifo                run the tracer SCHED_FIFO (needs root or CAP_SYS_NICE)
 *   --spin USEC           after each resume, poll waitpid(WNOHANG) for up to USEC
 *                         microseconds before blocking, so the tracer's CPU never idles
 *                         between two close stops
 *   --stats               print stops, migrations and the tracer's own CPU time to stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum placement { PLACE_DEFAULT, PLACE_SAME, PLACE_SPLIT, PLACE_FOLLOW };

static enum placement placement = PLACE_DEFAULT;
static long spin_ns = 0;
static long migrations = 0;
#define FOLLOW_EVERY 16

/* The CPU task `tid` last ran on (field 39 of /proc/TID/stat), or -1. */
static int last_cpu(pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char* p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  if (!p) return -1;
  p++;
  /* ")" ends field 2; each space found starts the next field, up to field 39. */
  for (int field = 2; field < 39; field++) {
    p = strchr(p + 1, ' ');
    if (!p) return -1;
  }
  return atoi(p + 1);
}

static void move_to_cpu(int cpu) {
  if (cpu < 0 || cpu == sched_getcpu()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) == 0) migrations++;
}

static void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("minitrace: sched_setaffinity");
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* waitpid(-1, __WALL), polling first for up to spin_ns when asked to. */
static pid_t wait_any(int* status) {
  if (spin_ns > 0) {
    long until = now_ns() + spin_ns;
    do {
      pid_t pid = waitpid(-1, status, __WALL | WNOHANG);
      if (pid != 0) return pid;
    } while (now_ns() < until);
  }
  return waitpid(-1, status, __WALL);
}

static void usage(void) {
  fprintf(stderr,
          "usage: minitrace [--placement default|same|split|follow] [--fifo] [--spin USEC] [--stats] CMD [ARGS...]\n");
  exit(2);
}

int main(int argc, char** argv) {
  int fifo = 0, stats = 0, i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--placement") == 0 && i + 1 < argc) {
      const char* p = argv[++i];
      if (strcmp(p, "default") == 0) placement = PLACE_DEFAULT;
      else if (strcmp(p, "same") == 0) placement = PLACE_SAME;
      else if (strcmp(p, "split") == 0) placement = PLACE_SPLIT;
      else if (strcmp(p, "follow") == 0) placement = PLACE_FOLLOW;
      else usage();
    } else if (strcmp(argv[i], "--spin") == 0 && i + 1 < argc) {
      spin_ns = atol(argv[++i]) * 1000L;
    } else if (strcmp(argv[i], "--fifo") == 0) {
      fifo = 1;
    } else if (strcmp(argv[i], "--stats") == 0) {
      stats = 1;
    } else {
      usage();
    }
  }
  if (i >= argc) usage();
  char** cmd = argv + i;

  if (placement == PLACE_SAME || placement == PLACE_SPLIT) pin_to(0); /* before fork: the workload inherits it */
  if (fifo) {
    struct sched_param sp = {.sched_priority = 1};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) perror("minitrace: SCHED_FIFO");
  }
  int sync_pipe[2];
  if (pipe(sync_pipe) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    if (fifo) {
      struct sched_param sp = {.sched_priority = 0};
      sched_setscheduler(0, SCHED_OTHER, &sp); /* only the tracer is real-time */
    }
    close(sync_pipe[1]);
    if (read(sync_pipe[0], &c, 1) != 1) _exit(1);
    struct sock_filter filter[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
    struct sock_fprog prog = {1, filter};
    if (geteuid() != 0) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) _exit(1);
    execvp(cmd[0], cmd);
    _exit(127);
  }
  long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
              PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (placement == PLACE_SPLIT) pin_to(1);
  if (ptrace(PTRACE_SEIZE, child, 0, opts) != 0) return 1;
  close(sync_pipe[0]);
  if (write(sync_pipe[1], "x", 1) != 1) return 1;
  close(sync_pipe[1]);
  int exit_status = 0;
  long stops = 0;
  long start = now_ns();
  for (;;) {
    int status;
    pid_t pid = wait_any(&status);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child) exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    int sig = 0;
    int event = status >> 16;
    if (event == PTRACE_EVENT_SECCOMP) {
      struct __ptrace_syscall_info info;
      ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
      stops++;
    } else if (event == PTRACE_EVENT_STOP) {
      int s = WSTOPSIG(status);
      if (s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU) {
        ptrace(PTRACE_LISTEN, pid, 0, 0);
        continue;
      }
    } else if (event == 0) {
      sig = WSTOPSIG(status);
    }
    if (placement == PLACE_FOLLOW && stops % FOLLOW_EVERY == 0) move_to_cpu(last_cpu(pid));
    ptrace(PTRACE_CONT, pid, 0, sig);
  }
  if (stats) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double wall = (now_ns() - start) / 1e9;
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    fprintf(stderr, "minitrace: stops %ld wall %.3f s tracer-cpu %.3f s migrations %ld us/stop %.2f\n", stops, wall,
            cpu, migrations, stops ? wall * 1e6 / stops : 0.0);
  }
  return exit_status;
}
