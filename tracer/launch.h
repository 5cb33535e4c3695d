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

// Loads `prog` with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER | `flags`) and, where the
// kernel has it (Linux 5.19), SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: once the supervisor has
// received a notification, only a fatal signal ends the caller's wait for the answer. Without
// it a signal arriving as the answer is delivered makes the kernel drop that answer and
// restart the call, which is then notified (and counted) twice. Returns the listener fd, or
// -1 with errno set. Makes only the seccomp calls: safe in a forked child.
long load_listener_filter(const sock_fprog& prog, unsigned long flags);

// Whether the workload's child must set PR_SET_NO_NEW_PRIVS before it loads a seccomp
// filter: the kernel takes a filter only from a task that has CAP_SYS_ADMIN in its effective
// set or no_new_privs. True for a non-root user and for a root without that capability (a
// container that drops it, `capsh --drop=cap_sys_admin`); false for a full root, whose
// setuid programs then keep working. Asked once, before fork (capget).
bool needs_no_new_privs();

struct LaunchSpec {
  std::string path;                 // from resolve_command
  std::vector<std::string> argv;
  std::vector<sock_filter> filter;  // empty: no filter (ptrace-syscall mode)
  // Load `filter` with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) for the notify
  // engine. When the kernel refuses one, `fallback` is loaded instead (empty: the child
  // exits 126). The child then waits for release_child() without making a syscall.
  bool listener = false;
  std::vector<sock_filter> fallback;
  bool own_process_group = false;   // put the workload in its own group (terminal mode)
  int stdout_fd = -1;               // >= 0: becomes the workload's stdout
  int stderr_fd = -1;               // >= 0: becomes the workload's stderr
};

struct ListenerHandshake;

struct Launched {
  pid_t pid = -1;
  int go_fd = -1;  // write one byte to let the child go on once it is traced
  ListenerHandshake* handshake = nullptr;  // LaunchSpec::listener: shared with the child
};

// Forks the child. It waits on the go pipe, then sets up and execs; if that fails it
// prints why on stderr and exits 126/127. Throws Error when fork fails.
Launched spawn_child(const LaunchSpec& spec);
// LaunchSpec::listener: waits until the child has loaded its filter and takes the
// listener into our fd table (pidfd_getfd). Returns it, or -1 when the kernel refused a
// listener and the child loaded the fallback filter (`refused` holds the errno). Throws
// Error when the child died first (it exits 126 when it has no fallback).
int take_listener(Launched& child, int& refused);
// Lets the child proceed (call after PTRACE_SEIZE).
void release_child(Launched& child);

// Which handlers fork_with_default_signals() resets in the child.
enum class ResetSignals {
  as_exec,  // caught ones to default, ignored ones stay ignored (what exec does)
  all,      // every one to default
};
// fork() with every signal blocked across it: none of our handlers runs in the child, and
// a signal sent to the child early waits for the dispositions it is meant to meet. The
// parent gets its mask back (errno stays fork's). The child resets its handlers as
// `reset` says, then empties its mask, unless `keep_blocked` (it sets handlers of its own
// first, then unblocks). Between fork and exec the child may only make async-signal-safe calls.
pid_t fork_with_default_signals(ResetSignals reset = ResetSignals::as_exec, bool keep_blocked = false);

}  // namespace syscribe::tracer
