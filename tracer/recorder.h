// The recorder: launches or attaches, follows the whole process tree, and aggregates
// every syscall stop into evidence. This is the library API that `syscribe record`
// (and later `syscribe run --profile`) drive.
//
//   RecordOptions o; o.command = {"ls", "-l"};
//   Recorder r(std::move(o));
//   r.start();                 // throws Error before anything runs (bad command, PID, ...)
//   RecordResult res = r.run();
#pragma once

#include <atomic>
#include <functional>
#include <linux/filter.h>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "evidence/evidence.h"
#include "tracer/phase_clock.h"
#include "tracer/syscall_stop.h"

namespace syscribe::tracer {

// How syscalls reach the recorder. Every mode follows the process tree with ptrace.
enum class Mode {
  automatic,       // launch: notify where the kernel has it (ptrace's seccomp stops with
                   // --results or --stacks); attach: ptrace_syscall
  notify,          // seccomp user notification on a helper thread: no ptrace stop per call
  seccomp,         // one ptrace stop per call (SECCOMP_RET_TRACE)
  ptrace_syscall,  // two ptrace stops per call (PTRACE_SYSCALL)
};

struct RecordOptions {
  std::vector<std::string> command;  // launch mode: CMD ARGS...
  std::vector<pid_t> pids;           // attach mode: every thread of each, and their children
  Mode mode = Mode::automatic;       // launch: seccomp when the kernel has it; attach: ptrace_syscall
  bool results = false;              // also stop at syscall exit and record errors
  std::string first_phase = "run";
  // Signals that switch the phase when the main process receives them (issue 4:
  // SIGHUP -> "reload", SIGTERM -> "shutdown"). Empty: the phase never changes by itself.
  std::map<int, std::string> signal_phases;

  // How often run()'s on_tick is called from the main loop.
  double tick_seconds = 0.25;

  // The filter installed in the launched child (empty: every syscall is recorded).
  // Calls it answers SECCOMP_RET_TRACE are recorded; the notify engine turns those
  // into SECCOMP_RET_USER_NOTIF. `--known` uses it to let known calls run unrecorded.
  std::vector<sock_filter> filter;
  // Called for every recorded syscall of the launched main process (any of its threads),
  // from the recorder's loop or, with the notify engine, its notification thread: what
  // `--ready syscall:NAME` watches.
  std::function<void(const SyscallStop& stop)> on_main_syscall;

  // Launch mode: >= 0 replaces the workload's stdout / stderr (`--ready log:` taps them).
  int stdout_fd = -1;
  int stderr_fd = -1;

  // Keep the user-space stack of the first call of each high-risk (or critical) syscall
  // per process identity and phase (tracer/stacks.h).
  bool stacks = false;
};

struct RecordResult {
  int exit_status = 0;  // of the launched main process (128+N for signal N); 0 after detach
  std::string mode;     // "notify-sync", "notify", "seccomp" or "ptrace-syscall"
  bool detached = false;
  std::string fallback;  // set when `auto` wanted the notify engine and could not have it
};

struct LiveStats {
  size_t processes_alive = 0;
  uint64_t processes_seen = 0;
  uint64_t syscalls = 0;
  size_t distinct = 0;
};

class Recorder {
 public:
  explicit Recorder(RecordOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Checks the input and launches/attaches. Throws Error (exit 127/126 for a command
  // that cannot run, 1 for a PID that cannot be traced).
  void start();
  // Runs until every tracee is gone (launch) or detached (attach). Call from the thread
  // that called start(): ptrace binds tracees to that thread. `on_tick` is called from
  // the loop about every tick_seconds (progress, checkpoints), where evidence() and
  // stats() are consistent.
  RecordResult run(std::function<void()> on_tick = {});

  // Thread-safe requests: each wakes the main loop.
  void request_detach();           // attach mode: leave the targets running
  // Launch mode: send sig to the main process; SIGKILL kills every traced process.
  // Signals 1..63.
  void request_signal(int sig);
  // The phase; switch it from any thread with phases().switch_to(...).
  PhaseClock& phases();
  const PhaseClock& phases() const;

  // Snapshots, consistent when called from the main loop (e.g. in on_tick).
  ev::Evidence evidence() const;
  LiveStats stats() const;
  std::map<std::string, size_t> distinct_per_arch() const;
  std::string mode_name() const;
  pid_t main_pid() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syscribe::tracer
