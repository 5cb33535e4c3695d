// A waitpid status as a small value: what kind of stop or exit it reports.
#pragma once

#include <sys/types.h>

namespace syscribe::tracer {

enum class StopKind {
  exited,           // WIFEXITED: code holds the exit status
  killed,           // WIFSIGNALED: sig holds the signal
  seccomp,          // PTRACE_EVENT_SECCOMP: the filter asked us (SECCOMP_RET_TRACE)
  syscall,          // syscall-enter or -exit stop (PTRACE_SYSCALL, TRACESYSGOOD)
  new_child,        // PTRACE_EVENT_FORK / VFORK / CLONE: a new task to follow
  exec,             // PTRACE_EVENT_EXEC: the task runs a new program
  group_stop,       // PTRACE_EVENT_STOP with a stop signal: job control stopped it
  event_stop,       // PTRACE_EVENT_STOP with SIGTRAP: PTRACE_INTERRUPT, a new task's
                    // first stop, or the wake-up of a listening task on SIGCONT
  signal_delivery,  // a signal is about to be delivered: sig must be passed on
  other_event,      // any other ptrace event (not requested): just resume
};

struct WaitStatus {
  pid_t pid = 0;
  StopKind kind = StopKind::other_event;
  int sig = 0;   // stop signal, delivered signal, or fatal signal
  int code = 0;  // exit status for `exited`
  int event = 0; // PTRACE_EVENT_* for new_child
};

WaitStatus classify(pid_t pid, int status);

}  // namespace syscribe::tracer
