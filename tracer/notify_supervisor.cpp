#include "tracer/notify_supervisor.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "tracer/cpu_relax.h"
#include "tracer/launch.h"
#include "tracer/proc_info.h"

extern char** environ;

namespace syscribe::tracer {

namespace {

// Shared between parent and child across fork; the child only reads and writes it with
// plain atomics (no syscalls) once its filter is loaded.
struct Handshake {
  std::atomic<int> listener{-1};  // the child's fd number of the listener
  std::atomic<int> load_errno{0};
  std::atomic<int> go{0};
};

int exit_status_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

NotifySupervisor::NotifySupervisor(std::string path, std::vector<std::string> argv, std::vector<uint8_t> bpf,
                                   unsigned filter_flags)
    : path_(std::move(path)), argv_(std::move(argv)), bpf_(std::move(bpf)), flags_(filter_flags) {}

NotifySupervisor::~NotifySupervisor() {
  if (listener_ >= 0) close(listener_);
}

void NotifySupervisor::start() {
  // Orphaned descendants are reparented to us, so run() can wait for the whole tree.
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  void* mem = mmap(nullptr, sizeof(Handshake), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw system_error("cannot map shared memory", errno);
  auto* hs = new (mem) Handshake();

  std::vector<char*> cargv;
  for (auto& a : argv_) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  sock_fprog prog{static_cast<unsigned short>(bpf_.size() / sizeof(sock_filter)),
                  reinterpret_cast<sock_filter*>(bpf_.data())};

  bool nnp = needs_no_new_privs();
  // A signal sent to the workload before its exec must act on it, not run our handler.
  child_ = fork_with_default_signals();
  if (child_ < 0) throw system_error("cannot fork", errno);
  if (child_ == 0) {
    if (out_fd_ >= 0) dup2(out_fd_, 1);
    if (err_fd_ >= 0) dup2(err_fd_, 2);
    if (nnp) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long fd = load_listener_filter(prog, flags_);
    if (fd < 0) {
      hs->load_errno.store(errno);
      _exit(126);
    }
    hs->listener.store(static_cast<int>(fd));
    while (hs->go.load() == 0) cpu_relax();
    execve(path_.c_str(), cargv.data(), environ);
    int err = errno;
    // The filter applies to these calls too: keep them few.
    dprintf(2, "syscribe run: cannot execute %s: %s\n", path_.c_str(), strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child_, 0));
  if (pidfd < 0) throw system_error("pidfd_open", errno);
  int child_fd = -1;
  for (;;) {
    child_fd = hs->listener.load();
    if (child_fd >= 0) break;
    int status;
    if (waitpid(child_, &status, WNOHANG) == child_) {
      int err = hs->load_errno.load();
      close(pidfd);
      munmap(mem, sizeof(Handshake));
      throw Error(fmt::format("the kernel refused the profile's filter: {}", strerror(err ? err : EINVAL)));
    }
    usleep(100);
  }
  listener_ = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, child_fd, 0));
  int err = errno;
  close(pidfd);
  hs->go.store(1);
  munmap(mem, sizeof(Handshake));
  if (listener_ < 0) {
    kill(child_, SIGKILL);
    throw system_error("cannot take the seccomp listener (pidfd_getfd)", err);
  }
}

void NotifySupervisor::signal(int sig) const {
  if (child_ <= 0) return;
  if (sig == SIGKILL) {
    // SIGKILL ends the whole tree, as a runtime stopping a container would: every process
    // below us (we are the subreaper, so orphans of the workload are ours too). The tree is
    // listed before anything is killed: a killed parent's children move to us only as it
    // exits, and a listing in between finds them under neither. A second pass takes what
    // was moving then.
    std::vector<pid_t> tree = list_descendants(getpid());
    kill(child_, SIGKILL);
    for (pid_t p : tree) kill(p, SIGKILL);
    for (pid_t p : list_descendants(getpid())) kill(p, SIGKILL);
    return;
  }
  kill(child_, sig);
  if (continue_after(sig)) continue_if_stopped();
}

void NotifySupervisor::continue_if_stopped() const {
  if (child_ > 0 && is_stopped(child_)) kill(child_, SIGCONT);
}

SupervisedRun NotifySupervisor::run(const std::function<Response(const Notification&)>& decide) {
  SupervisedRun result;
  NotifyLoop loop(listener_, decide);
  listener_ = -1;  // the loop owns it now
  loop.set_sync_wakeup();
  loop.start();
  // Wait for the launched process and then for every descendant reparented to us.
  for (;;) {
    int status;
    pid_t w = waitpid(-1, &status, 0);
    if (w < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    if (w == child_) result.exit_status = exit_status_of(status);
  }
  loop.stop();
  result.notifications = loop.answered();
  return result;
}

}  // namespace syscribe::tracer
