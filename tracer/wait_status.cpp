#include "tracer/wait_status.h"

#include <csignal>
#include <sys/ptrace.h>
#include <sys/wait.h>

namespace syscribe::tracer {

WaitStatus classify(pid_t pid, int status) {
  WaitStatus w;
  w.pid = pid;
  if (WIFEXITED(status)) {
    w.kind = StopKind::exited;
    w.code = WEXITSTATUS(status);
    return w;
  }
  if (WIFSIGNALED(status)) {
    w.kind = StopKind::killed;
    w.sig = WTERMSIG(status);
    return w;
  }
  w.sig = WSTOPSIG(status);
  int event = (status >> 16) & 0xff;
  w.event = event;
  switch (event) {
    case 0:
      w.kind = w.sig == (SIGTRAP | 0x80) ? StopKind::syscall : StopKind::signal_delivery;
      break;
    case PTRACE_EVENT_SECCOMP:
      w.kind = StopKind::seccomp;
      break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      w.kind = StopKind::new_child;
      break;
    case PTRACE_EVENT_EXEC:
      w.kind = StopKind::exec;
      break;
    case PTRACE_EVENT_STOP:
      w.kind = (w.sig == SIGSTOP || w.sig == SIGTSTP || w.sig == SIGTTIN || w.sig == SIGTTOU)
                   ? StopKind::group_stop
                   : StopKind::event_stop;
      break;
    default:
      w.kind = StopKind::other_event;
      break;
  }
  return w;
}

}  // namespace syscribe::tracer
