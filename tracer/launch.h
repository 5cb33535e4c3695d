// Starting the workload under the tracer: finding the program like a shell would,
// and the child side of the launch (wait until traced, own process group, filter, exec).
#pragma once

#include <linux/filter.h>
#include <string>
#include <sys/types.h>
#include <vector>

namespace syscribe::tracer {

// Finds `name` as execvp would (a name with a slash is used as it is; otherwise PATH).
// Throws Error with exit status 127 (not found) or 126 (not executable), like a shell.
std::string resolve_command(const std::string& name);

// The filter that makes every syscall stop in the tracer: one instruction, arch-neutral.
std::vector<sock_filter> trace_all_filter();

struct LaunchSpec {
  std::string path;                 // from resolve_command
  std::vector<std::string> argv;
  std::vector<sock_filter> filter;  // empty: no filter (ptrace-syscall mode)
  bool own_process_group = false;   // put the workload in its own group (terminal mode)
  int stdout_fd = -1;               // >= 0: becomes the workload's stdout
  int stderr_fd = -1;               // >= 0: becomes the workload's stderr
};

struct Launched {
  pid_t pid = -1;
  int go_fd = -1;  // write one byte to let the child go on once it is traced
};

// Forks the child. It waits on the go pipe, then sets up and execs; if that fails it
// prints why on stderr and exits 126/127. Throws Error when fork fails.
Launched spawn_child(const LaunchSpec& spec);
// Lets the child proceed (call after PTRACE_SEIZE).
void release_child(Launched& child);

}  // namespace syscribe::tracer
