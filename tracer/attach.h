// Attaching to running processes (syscribe record -p PID).
#pragma once

#include <sys/types.h>
#include <vector>

namespace syscribe::tracer {

// PTRACE_SEIZEs every thread of `pid` with `options` and interrupts each, re-scanning
// /proc/PID/task until no new thread appears. Returns the thread ids seized.
// Throws Error (exit 1) saying why when the process does not exist or cannot be traced.
std::vector<pid_t> seize_process(pid_t pid, long options);

}  // namespace syscribe::tracer
