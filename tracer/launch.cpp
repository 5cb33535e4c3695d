#include "tracer/launch.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <atomic>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <new>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "tracer/cpu_relax.h"

extern char** environ;

namespace syscribe::tracer {

// Shared memory between the recorder and its child across fork. Once its filter is
// loaded the child may make no syscall until the listener is ours (each would wait for an
// answer nobody can give yet), so it only spins on these atomics.
struct ListenerHandshake {
  std::atomic<int> listener{-1};  // the child's fd number of the listener; -2: refused
  std::atomic<int> refused{0};    // errno of the refused listener
  std::atomic<int> go{0};
};

namespace {

// Exit statuses a shell uses.
constexpr int kNotFound = 127;
constexpr int kNotExecutable = 126;

bool is_executable_file(const std::string& path, int& err) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    err = EISDIR;
    return false;
  }
  if (access(path.c_str(), X_OK) != 0) {
    err = errno;
    return false;
  }
  return true;
}

// Child-side error report: only async-signal-safe calls between fork and exec.
[[noreturn]] void child_fail(const char* what, int err, int status) {
  const char* msg = strerror(err);
  const char* parts[] = {"syscribe record: ", what, ": ", msg, "\n"};
  for (const char* p : parts) {
    ssize_t ignored = write(2, p, strlen(p));
    (void)ignored;
  }
  _exit(status);
}

}  // namespace

std::string resolve_command(const std::string& name) {
  if (name.empty()) throw Error("empty command name", kNotFound);
  if (name.find('/') != std::string::npos) {
    int err = 0;
    if (is_executable_file(name, err)) return name;
    if (err == ENOENT || err == ENOTDIR) throw Error(fmt::format("{}: no such file", name), kNotFound);
    throw Error(fmt::format("{}: cannot execute: {}", name, strerror(err)), kNotExecutable);
  }
  const char* path_env = getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::string denied;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    // An empty PATH entry means the current directory.
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    int err = 0;
    if (is_executable_file(candidate, err)) return candidate;
    if (err == EACCES && denied.empty()) denied = candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (!denied.empty()) throw Error(fmt::format("{}: cannot execute: permission denied", denied), kNotExecutable);
  throw Error(fmt::format("{}: command not found", name), kNotFound);
}

long load_listener_filter(const sock_fprog& prog, unsigned long flags) {
  flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
  if (fd < 0 && errno == EINVAL) fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  return fd;
}

std::vector<sock_filter> trace_all_filter() {
  return {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
}

pid_t fork_with_default_signals(ResetSignals reset, bool keep_blocked) {
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  pid_t pid = fork();
  if (pid != 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    errno = err;
    return pid;
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0) continue;
    bool is_default = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
    if (is_default || (reset == ResetSignals::as_exec && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN))
      continue;
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
  }
  if (!keep_blocked) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
  }
  return 0;
}

bool needs_no_new_privs() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, data) != 0) return true;  // unknown: NNP is always enough
  static_assert(CAP_SYS_ADMIN < 32, "CAP_SYS_ADMIN is in the first word");
  return !(data[0].effective & (1u << CAP_SYS_ADMIN));
}

Launched spawn_child(const LaunchSpec& spec) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) throw system_error("cannot create a pipe", errno);
  // Everything the child needs is prepared before fork: the child only makes syscalls.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  sock_fprog prog{static_cast<unsigned short>(spec.filter.size()), const_cast<sock_filter*>(spec.filter.data())};
  sock_fprog fallback{static_cast<unsigned short>(spec.fallback.size()),
                      const_cast<sock_filter*>(spec.fallback.data())};
  bool need_nnp = needs_no_new_privs();
  ListenerHandshake* hs = nullptr;
  if (spec.listener) {
    void* mem = mmap(nullptr, sizeof(ListenerHandshake), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw system_error("cannot map shared memory", errno);
    hs = new (mem) ListenerHandshake();
  }

  // A signal sent to the workload before its exec (a stop signal right after launch) must
  // act on the workload, not run the recorder's handler in the child and be lost there.
  pid_t pid = fork_with_default_signals();
  if (pid < 0) {
    int err = errno;
    close(go[0]);
    close(go[1]);
    if (hs) munmap(hs, sizeof *hs);
    throw system_error("cannot fork", err);
  }
  if (pid == 0) {
    close(go[1]);
    if (spec.own_process_group) setpgid(0, 0);
    char byte;
    // With a listener the child waits on the handshake instead, after loading the filter.
    while (!hs && read(go[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(go[0]);
    if (spec.stdout_fd >= 0 && dup2(spec.stdout_fd, 1) < 0) child_fail("stdout", errno, 1);
    if (spec.stderr_fd >= 0 && dup2(spec.stderr_fd, 2) < 0) child_fail("stderr", errno, 1);
    if (hs) {
      if (need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail("PR_SET_NO_NEW_PRIVS", errno, 1);
      // The listener is close-on-exec (the kernel makes it so): the workload never holds it.
      long fd = load_listener_filter(prog, 0);
      if (fd < 0) {
        int err = errno;
        hs->refused.store(err);
        if (spec.fallback.empty()) _exit(126);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fallback) != 0) child_fail("seccomp filter", errno, 1);
        hs->listener.store(-2);
      } else {
        hs->listener.store(static_cast<int>(fd));
      }
      while (hs->go.load() == 0) cpu_relax();
    } else if (!spec.filter.empty()) {
      if (need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail("PR_SET_NO_NEW_PRIVS", errno, 1);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) child_fail("seccomp filter", errno, 1);
    }
    execve(spec.path.c_str(), argv.data(), environ);
    child_fail(spec.path.c_str(), errno, errno == ENOENT ? kNotFound : kNotExecutable);
  }
  close(go[0]);
  if (spec.own_process_group) setpgid(pid, pid);  // both sides, so neither races the other
  if (hs) {
    close(go[1]);
    return Launched{pid, -1, hs};
  }
  return Launched{pid, go[1], nullptr};
}

int take_listener(Launched& child, int& refused) {
  ListenerHandshake* hs = child.handshake;
  refused = 0;
  int child_fd = -1;
  for (;;) {
    child_fd = hs->listener.load();
    if (child_fd != -1) break;
    // Not traced yet: this wait sees only its death.
    int status;
    if (waitpid(child.pid, &status, WNOHANG) == child.pid) {
      int err = hs->refused.load();
      munmap(hs, sizeof *hs);
      child.handshake = nullptr;
      throw Error(fmt::format("the kernel refused a seccomp listener: {}", strerror(err ? err : EINVAL)));
    }
    usleep(50);
  }
  if (child_fd == -2) {
    refused = hs->refused.load();
    return -1;
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child.pid, 0));
  if (pidfd < 0) throw system_error("pidfd_open", errno);
  int fd = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, child_fd, 0));
  int err = errno;
  close(pidfd);
  if (fd < 0) throw system_error("cannot take the seccomp listener (pidfd_getfd)", err);
  return fd;
}

void release_child(Launched& child) {
  if (child.handshake) {
    child.handshake->go.store(1);
    munmap(child.handshake, sizeof *child.handshake);
    child.handshake = nullptr;
    return;
  }
  if (child.go_fd < 0) return;
  char byte = 1;
  ssize_t ignored = write(child.go_fd, &byte, 1);
  (void)ignored;
  close(child.go_fd);
  child.go_fd = -1;
}

}  // namespace syscribe::tracer
