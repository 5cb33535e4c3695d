// Running a workload under an enforcing seccomp filter and collecting what it denies:
// the engine of `syscribe run --profile`. The filter notifies every call the real profile
// would not simply allow; the verdict comes from a callback (the cli asks the profile's
// compiled filter), so the tracer still knows nothing of profiles, only of seccomp actions.
//
//   Enforcer e(std::move(options));
//   e.start();                       // throws Error when the kernel refuses the filter
//   EnforceResult r = e.run();
//   print_enforce_report(r, ...);
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "evidence/evidence.h"
#include "syscalls-tables/syscalls.h"
#include "tracer/aggregate.h"
#include "tracer/notify_supervisor.h"
#include "tracer/phase_clock.h"

namespace syscribe::tracer {

struct EnforceOptions {
  std::vector<std::string> command;  // CMD ARGS...; command[0] as resolve_command found it
  std::vector<uint8_t> bpf;          // the notifying filter (libseccomp's export)
  unsigned filter_flags = 0;         // SECCOMP_FILTER_FLAG_LOG, SPEC_ALLOW
  bool complain = false;             // let denied calls proceed (fallbacks still get ENOSYS)
  std::vector<sys::Arch> arches;     // the profile's: a call on another is a bad-arch kill
  // The real profile's SECCOMP_RET_* (with data) for a call on a listed arch.
  std::function<uint32_t(sys::Arch, uint64_t nr, const std::array<uint64_t, 6>& args)> verdict;
  // Names the action of a verdict for the report (SCMP_ACT_ERRNO(EPERM), ...).
  std::function<std::string(uint32_t verdict)> describe_action;
  // Syscalls the profile answers ENOSYS on purpose so that the caller falls back (clone3
  // → clone): an expected fallback, reported apart, never a denial.
  std::set<std::string> enosys_stubs;
  // --ready syscall:NAME: `watched` is notified whatever the profile says; on_watched is
  // called for its calls by the main process while watch_armed() holds.
  const sys::SyscallInfo* watched = nullptr;
  std::function<bool()> watch_armed;
  std::function<void(sys::Arch, uint64_t nr)> on_watched;
  int stdout_fd = -1;  // >= 0: the workload's stdout / stderr
  int stderr_fd = -1;
};

// Syscalls the notifying filter must send to us whatever the profile says: ptrace, so that
// PTRACE_TRACEME can be refused (EPERM, as for a process already traced). Granted, it
// would make syscribe the workload's tracer, and a traced workload stops at its next
// signal or exec until a tracer that never comes resumes it.
const std::vector<std::string>& always_notified();

// Denials are sorted by phase first, in the order the phases began, then process and call.
struct DenialKey {
  uint32_t phase_index = 0;
  std::string exe, comm, phase, arch, syscall, action;
  auto operator<=>(const DenialKey&) const = default;
};
struct DenialStats {
  uint64_t count = 0;
  std::set<pid_t> pids;
  std::vector<std::string> calls;  // the first few distinct calls, arguments by name
};

struct EnforceResult {
  int exit_status = 0;  // of the launched process; 128+N for signal N
  std::map<DenialKey, DenialStats> denials;
  std::map<DenialKey, DenialStats> fallbacks;  // the profile's own ENOSYS stubs
  uint64_t denied() const;
};

class Enforcer {
 public:
  Enforcer(EnforceOptions options, PhaseClock& clock);
  ~Enforcer();
  Enforcer(const Enforcer&) = delete;
  Enforcer& operator=(const Enforcer&) = delete;

  void start();
  pid_t pid() const;
  // Thread-safe; SIGCONT follows INT, TERM, QUIT, HUP to a stopped workload; SIGKILL kills
  // every process below syscribe.
  void signal(int sig) const;
  // SIGCONT to a stopped workload (no allocation; for the terminal's Ctrl-C, which already
  // reached it).
  void continue_if_stopped() const;
  // Until the workload and every descendant are gone.
  EnforceResult run();
  // The denied calls as evidence (what --complain -o writes), after run().
  ev::Evidence evidence(const std::string& started) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The report on stderr: the denials (or that there were none), the expected fallbacks,
// and how the workload ended.
void print_enforce_report(const EnforceResult& r, const std::string& program, bool complain);

}  // namespace syscribe::tracer
