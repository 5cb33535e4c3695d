// Where a call came from: the user-space stack of a thread stopped by the tracer, as
// `record --stacks` keeps it for the first call of each high-risk syscall. Unwinding uses
// elfutils' libdwfl (the .eh_frame/.debug_frame CFI of each mapped module, read through
// the tracer's own ptrace hold on the thread) and names frames from the modules' symbol
// tables; separate debug files are used only when installed locally (never debuginfod).
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace syscribe::tracer {

// Whether this build has an unwinder (libdw found at build time).
bool stacks_available();

// The stack of thread `tid` of process `pid`, which must be ptrace-stopped by the calling
// thread: innermost frame first, each "function (module path)" or "module+0xOFFSET" when no
// symbol covers it, at most `max_frames`. Empty when unwinding fails at the first frame.
std::vector<std::string> stopped_stack(pid_t pid, pid_t tid, size_t max_frames = 12);

}  // namespace syscribe::tracer
