#include "tracer/notify_loop.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"

// Linux 6.6; Debian 12's headers predate it.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace syscribe::tracer {

namespace {

// Interrupts a blocking RECV when the loop is to stop. A real-time signal nobody else
// uses; its handler does nothing (the EINTR is the point).
int wake_signal() { return SIGRTMIN + 3; }

void on_wake(int) {}

}  // namespace

NotifyLoop::NotifyLoop(int listener, Decide decide, Answered answered)
    : listener_(listener), decide_(std::move(decide)), after_(std::move(answered)) {}

NotifyLoop::~NotifyLoop() {
  stop();
  if (listener_ >= 0) close(listener_);
}

bool NotifyLoop::set_sync_wakeup() {
  sync_ = ioctl(listener_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
  return sync_;
}

void NotifyLoop::start() {
  struct sigaction sa {};
  sa.sa_handler = on_wake;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: RECV returns EINTR
  sigaction(wake_signal(), &sa, nullptr);
  thread_ = std::thread([this] { serve(); });
  handle_ = thread_.native_handle();
}

void NotifyLoop::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  // The signal may land just before the thread blocks again: repeat until it is out.
  while (!done_.load()) {
    pthread_kill(handle_, wake_signal());
    usleep(1000);
  }
  thread_.join();
}

void NotifyLoop::serve() {
  sigset_t mask;
  sigfillset(&mask);
  sigdelset(&mask, wake_signal());
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  seccomp_notif req;
  seccomp_notif_resp resp;
  while (!stop_.load(std::memory_order_relaxed)) {
    std::memset(&req, 0, sizeof req);
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      // EINTR: woken to stop; ENOENT: the caller died before we took it.
      if (errno == EINTR || errno == ENOENT) continue;
      break;
    }
    Notification note;
    note.id = req.id;
    note.pid = static_cast<pid_t>(req.pid);
    note.audit_arch = req.data.arch;
    note.nr = static_cast<uint64_t>(static_cast<uint32_t>(req.data.nr));
    note.arch = sys::arch_from_audit(req.data.arch, note.nr);
    for (size_t i = 0; i < 6; ++i) note.args[i] = req.data.args[i];
    Response r = decide_(note);
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    switch (r.kind) {
      case Response::Kind::proceed:
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        break;
      case Response::Kind::fail:
        resp.error = -r.error;
        break;
      case Response::Kind::kill_thread:
      case Response::Kind::kill_process:
        // The kernel's kill actions cannot be caught; SIGSYS from here can (documented).
        resp.error = -ENOSYS;
        if (r.kind == Response::Kind::kill_process)
          kill(note.pid, SIGSYS);
        else
          syscall(SYS_tkill, note.pid, SIGSYS);  // the thread by its tid: it need not lead its group
        break;
    }
    bool delivered = ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
    answered_.fetch_add(1, std::memory_order_relaxed);
    if (after_) after_(note, delivered);
  }
  done_.store(true);
}

}  // namespace syscribe::tracer
