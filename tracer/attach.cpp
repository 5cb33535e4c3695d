#include "tracer/attach.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/ptrace.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "tracer/proc_info.h"

namespace syscribe::tracer {

namespace {

std::string why_not_traceable(pid_t pid, int err) {
  if (err != EPERM) return strerror(err);
  TaskStatus st = read_task_status(pid);
  if (st.tracer != 0 && st.tracer != getpid())
    return fmt::format("already traced by PID {} ({}); only one tracer at a time", st.tracer,
                       read_comm(st.tracer));
  std::string scope = "?";
  if (FILE* f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r")) {
    char buf[16] = {};
    if (fgets(buf, sizeof buf, f)) scope = std::string(buf, strcspn(buf, "\n"));
    fclose(f);
  }
  if (geteuid() != 0)
    return fmt::format("not permitted: not root (kernel.yama.ptrace_scope={}; the process may belong "
                       "to another user or not be a descendant)", scope);
  return fmt::format("not permitted (kernel.yama.ptrace_scope={}; a security module may forbid it)", scope);
}

}  // namespace

std::vector<pid_t> seize_process(pid_t pid, long options) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) throw Error(fmt::format("PID {}: no such process", pid));
  TaskStatus st = read_task_status(pid);
  if (!st.ok) throw Error(fmt::format("PID {}: no such process", pid));
  if (st.tgid != pid) throw Error(fmt::format("PID {}: is a thread of process {}; give the process", pid, st.tgid));
  if (pid == getpid()) throw Error(fmt::format("PID {}: cannot trace syscribe itself", pid));

  std::vector<pid_t> seized;
  for (int round = 0; round < 100; ++round) {
    bool added = false;
    for (pid_t tid : list_threads(pid)) {
      if (std::find(seized.begin(), seized.end(), tid) != seized.end()) continue;
      if (ptrace(PTRACE_SEIZE, tid, nullptr, options) != 0) {
        int err = errno;
        if (err == ESRCH) continue;  // the thread ended meanwhile
        // A thread created after we seized its creator is already ours (TRACECLONE).
        if (err == EPERM && read_task_status(tid).tracer == getpid()) {
          seized.push_back(tid);
          added = true;
          continue;
        }
        if (seized.empty()) throw Error(fmt::format("PID {}: cannot trace: {}", pid, why_not_traceable(pid, err)));
        throw Error(fmt::format("PID {}: cannot trace thread {}: {}", pid, tid, why_not_traceable(tid, err)));
      }
      ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
      seized.push_back(tid);
      added = true;
    }
    if (!added) break;
  }
  if (seized.empty()) throw Error(fmt::format("PID {}: no such process", pid));
  return seized;
}

}  // namespace syscribe::tracer
