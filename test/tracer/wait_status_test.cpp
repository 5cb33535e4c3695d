#include <catch2/catch.hpp>
#include <csignal>
#include <sys/ptrace.h>

#include "tracer/wait_status.h"

using namespace syscribe::tracer;

namespace {
// Status words as the kernel builds them (see wait(2) and ptrace(2)).
int stopped(int sig, int event = 0) { return 0x7f | (sig << 8) | (event << 16); }
}  // namespace

TEST_CASE("an exit status is reported with its code", "[tracer]") {
  WaitStatus w = classify(42, 3 << 8);
  CHECK(w.kind == StopKind::exited);
  CHECK(w.code == 3);
  CHECK(w.pid == 42);
}

TEST_CASE("a death by signal is reported with the signal", "[tracer]") {
  WaitStatus w = classify(1, SIGKILL);
  CHECK(w.kind == StopKind::killed);
  CHECK(w.sig == SIGKILL);
}

TEST_CASE("ptrace stops are told apart by event and signal", "[tracer]") {
  CHECK(classify(1, stopped(SIGTRAP, PTRACE_EVENT_SECCOMP)).kind == StopKind::seccomp);
  CHECK(classify(1, stopped(SIGTRAP | 0x80)).kind == StopKind::syscall);
  CHECK(classify(1, stopped(SIGTRAP, PTRACE_EVENT_CLONE)).kind == StopKind::new_child);
  CHECK(classify(1, stopped(SIGTRAP, PTRACE_EVENT_VFORK)).kind == StopKind::new_child);
  CHECK(classify(1, stopped(SIGTRAP, PTRACE_EVENT_EXEC)).kind == StopKind::exec);
  CHECK(classify(1, stopped(SIGTSTP, PTRACE_EVENT_STOP)).kind == StopKind::group_stop);
  CHECK(classify(1, stopped(SIGTRAP, PTRACE_EVENT_STOP)).kind == StopKind::event_stop);
  WaitStatus sig = classify(1, stopped(SIGUSR1));
  CHECK(sig.kind == StopKind::signal_delivery);
  CHECK(sig.sig == SIGUSR1);
  // A plain SIGTRAP (e.g. a breakpoint) is a signal to deliver, not a syscall stop.
  CHECK(classify(1, stopped(SIGTRAP)).kind == StopKind::signal_delivery);
}
