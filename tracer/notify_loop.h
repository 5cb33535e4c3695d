// The one seccomp user-notification loop: a thread that takes each notification from a
// listener (SECCOMP_IOCTL_NOTIF_RECV), asks a callback what to answer, and answers
// (SECCOMP_IOCTL_NOTIF_SEND). `syscribe record` answers "continue" and counts the call;
// `syscribe run` answers with the profile's verdict. The caller is blocked in its syscall
// from RECV until SEND, so the callback may read its memory (process_vm_readv) and /proc.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <pthread.h>
#include <sys/types.h>
#include <thread>

#include "syscalls-tables/syscalls.h"

namespace syscribe::tracer {

struct Notification {
  uint64_t id = 0;
  pid_t pid = 0;  // the thread that made the call, in our pid namespace
  uint32_t audit_arch = 0;
  std::optional<sys::Arch> arch;
  uint64_t nr = 0;
  std::array<uint64_t, 6> args{};
};

// What the loop answers for one notification.
struct Response {
  enum class Kind { proceed, fail, kill_process, kill_thread };
  Kind kind = Kind::fail;
  int error = 1;  // errno for fail
};

class NotifyLoop {
 public:
  using Decide = std::function<Response(const Notification&)>;
  // Called after the answer: `delivered` is false when the call was no longer waiting
  // (a signal interrupted it and the kernel will notify it again when it restarts, or
  // the caller died). Counting only delivered calls counts a restarted call once.
  using Answered = std::function<void(const Notification&, bool delivered)>;

  // Takes ownership of `listener` (closed by the destructor).
  NotifyLoop(int listener, Decide decide, Answered answered = {});
  ~NotifyLoop();
  NotifyLoop(const NotifyLoop&) = delete;
  NotifyLoop& operator=(const NotifyLoop&) = delete;

  // Asks the kernel to wake the supervisor on the notifying task's CPU and the task on
  // ours (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6). Returns whether it was accepted.
  bool set_sync_wakeup();
  bool sync_wakeup() const { return sync_; }

  // Starts the thread. It blocks every signal but its own wake-up signal, so signals
  // meant for the process reach the caller's threads.
  void start();
  // Ends the thread (after the current notification, if any) and waits for it.
  void stop();
  uint64_t answered() const { return answered_.load(std::memory_order_relaxed); }

 private:
  void serve();

  int listener_;
  Decide decide_;
  Answered after_;
  bool sync_ = false;
  std::thread thread_;
  pthread_t handle_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> answered_{0};
};

}  // namespace syscribe::tracer
