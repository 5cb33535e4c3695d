// Running a workload under a real seccomp filter whose denials are delivered to us
// through seccomp user notification (SECCOMP_RET_USER_NOTIF), without ptrace: what
// `syscribe run --profile` uses to enforce a profile exactly as the kernel would and
// still see every denial with its process and arguments.
//
// The launched child loads the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER; the parent
// takes the listener with pidfd_getfd() while the child spins on shared memory (it may
// make no syscall between loading the filter and exec: any of them could be one the
// filter sends to a listener nobody holds yet). Every process the workload starts
// inherits the filter, so all notifications arrive on that one listener.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "syscalls-tables/syscalls.h"
#include "tracer/notify_loop.h"

namespace syscribe::tracer {

struct SupervisedRun {
  int exit_status = 0;         // of the launched process; 128+N for signal N
  uint64_t notifications = 0;  // answered
};

class NotifySupervisor {
 public:
  // `bpf` is a raw struct sock_filter array (libseccomp's export) with the calls to
  // report returning SECCOMP_RET_USER_NOTIF; `filter_flags` are extra
  // SECCOMP_FILTER_FLAG_* bits (LOG, SPEC_ALLOW).
  NotifySupervisor(std::string path, std::vector<std::string> argv, std::vector<uint8_t> bpf,
                   unsigned filter_flags);
  ~NotifySupervisor();
  NotifySupervisor(const NotifySupervisor&) = delete;
  NotifySupervisor& operator=(const NotifySupervisor&) = delete;

  // Before start(): fds that become the workload's stdout and stderr (-1: keep ours).
  void redirect_output(int out, int err) {
    out_fd_ = out;
    err_fd_ = err;
  }
  // Starts the workload with the filter loaded. Throws Error when the kernel refuses the
  // filter or the listener cannot be taken.
  void start();
  pid_t pid() const { return child_; }

  // Answers notifications with `decide` (called on the NotifyLoop's thread, one at a time) until
  // the launched process and every descendant are gone (syscribe is their subreaper).
  // `decide` runs while the caller is blocked in the syscall, so it may read the
  // caller's /proc entries and memory.
  SupervisedRun run(const std::function<Response(const Notification&)>& decide);

  // Sends a signal to the launched process (thread-safe, no allocation but for SIGKILL);
  // a stopped process gets SIGCONT after a signal meant to end it (continue_after());
  // SIGKILL kills every process below syscribe, the workload's orphans included.
  void signal(int sig) const;
  // SIGCONT to the launched process if it is stopped (no allocation): a signal the terminal
  // sent its group (Ctrl-C) is then acted on instead of staying pending.
  void continue_if_stopped() const;

 private:
  std::string path_;
  std::vector<std::string> argv_;
  std::vector<uint8_t> bpf_;
  unsigned flags_;
  int out_fd_ = -1;
  int err_fd_ = -1;
  pid_t child_ = -1;
  int listener_ = -1;
};

}  // namespace syscribe::tracer
