// Proposed for tracer/: keep the tracer's loop thread on the CPU its tracees run on.
//
// Every seccomp stop wakes the tracer and every PTRACE_CONT wakes the tracee. When the two
// sleep on different CPUs, each wake-up is a cross-CPU interrupt, and on a VM waking an
// idle vCPU goes through the hypervisor: that, not the ptrace work, dominates the cost of
// a stop. Pinning the workload and the tracer to one CPU fixes it but serialises a
// multi-threaded workload. Instead the tracer moves itself: every kEvery-th stop it reads
// the CPU the stopped task last ran on (/proc/TID/stat field 39) and, when that is not
// its own, restricts its own thread to that CPU. Tracees are never pinned: the scheduler
// still spreads their threads, and the tracer goes where the stops come from.
//
// Safe by construction: only the calling thread's affinity changes (sched_setaffinity(0)
// is per thread, so the control-socket thread and anything it spawns keep theirs); a CPU
// outside the tracer's allowed set (another cpuset) makes sched_setaffinity fail with
// EINVAL and nothing changes; the original mask is restored by restore() and by the
// destructor, before the evidence is written or anything else is spawned from this thread.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace syscribe::tracer {

class CpuFollower {
 public:
  // Reading the field costs a few µs, about a stop's worth: look every 16th stop.
  static constexpr unsigned kEvery = 16;

  CpuFollower() { saved_ = sched_getaffinity(0, sizeof original_, &original_) == 0; }
  ~CpuFollower() { restore(); }
  CpuFollower(const CpuFollower&) = delete;
  CpuFollower& operator=(const CpuFollower&) = delete;

  // Call before resuming the task `tid` from a stop.
  void before_resume(pid_t tid) {
    if (!saved_ || ++stops_ % kEvery != 0) return;
    int cpu = last_cpu(tid);
    if (cpu < 0 || cpu >= CPU_SETSIZE || cpu == sched_getcpu() || !CPU_ISSET(cpu, &original_)) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) == 0) moved_ = true;
  }

  // Gives the thread its original CPU mask back.
  void restore() {
    if (moved_) sched_setaffinity(0, sizeof original_, &original_);
    moved_ = false;
  }

 private:
  // The CPU task `tid` last ran on, or -1 (it vanished, or /proc is not mounted).
  static int last_cpu(pid_t tid) {
    char path[48];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(tid));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    const char* p = std::strrchr(buf, ')');  // comm may hold spaces and parentheses
    if (!p) return -1;
    for (int field = 2; field < 39; field++) {  // ")" ends field 2; step to the 39th
      p = std::strchr(p + 1, ' ');
      if (!p) return -1;
    }
    return std::atoi(p + 1);
  }

  cpu_set_t original_{};
  bool saved_ = false;
  bool moved_ = false;
  unsigned stops_ = 0;
};

}  // namespace syscribe::tracer
