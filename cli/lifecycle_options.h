// The lifecycle options record and run share: --ready, --traffic, --reload, ...
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/options.h"
#include "syscalls-tables/syscalls.h"
#include "tracer/control_socket.h"
#include "tracer/lifecycle.h"
#include "tracer/output_tap.h"

namespace syscribe::cli {

void add_lifecycle_options(po::options_description& opts);
// Throws a usage Error for a bad --ready, signal name or timeout, or --reload-traffic
// without --reload; warns (unless vm has "quiet") about --traffic without --ready. Call
// before launching: a --ready file: notes the file's state before launch.
tracer::LifecyclePlan lifecycle_plan(const po::variables_map& vm);
// The exit status of a driven run: 1 (after printing `failure` as "syscribe CMD: ...")
// when the lifecycle failed, 0 when the workload exited 0 or died of the stop signal,
// otherwise the workload's status.
int lifecycle_exit(const tracer::LifecyclePlan& plan, const std::string& failure, int workload_status,
                   const std::string& command_name);
// The control socket for `syscribe mark` (--control or the default path), served until
// the result is destroyed; the workload and the traffic inherit its path in
// $SYSCRIBE_CONTROL. Announced on stderr unless vm has "quiet". Call before launching.
std::unique_ptr<tracer::ControlSocket> open_control_socket(const po::variables_map& vm, tracer::PhaseClock& clock,
                                                           const std::string& command_name);
// What a command wires into its launcher for the readiness the workload signals itself.
struct ReadyWatch {
  const sys::SyscallInfo* syscall = nullptr;  // --ready syscall:NAME
  std::unique_ptr<tracer::OutputTap> tap;      // --ready log:REGEX
  std::shared_ptr<tracer::ReadyEvent> event;
  std::function<std::string()> phase;          // names the current phase for syscall:NAME

  // For syscall:NAME: note a call of `nr` on `arch` by the main process. Once readiness is
  // met this only tests armed().
  void main_syscall(sys::Arch arch, uint64_t nr) const {
    if (syscall && event->armed() && sys::find(arch, static_cast<int64_t>(nr)) == syscall) event->note(phase());
  }
};
// Resolves the syscall name (a usage Error when no arch knows it) and makes the output
// tap; `phase` names the current phase for the tap's thread.
ReadyWatch ready_watch(const tracer::LifecyclePlan& plan, std::function<std::string()> phase);

// A signal by name ("TERM", "SIGTERM") or number; throws a usage Error naming `option`.
int parse_signal(const std::string& text, const char* option);

}  // namespace syscribe::cli
