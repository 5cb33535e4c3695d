#include "tracer/launch.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"

extern char** environ;

namespace syscribe::tracer {

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

Launched spawn_child(const LaunchSpec& spec) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) throw system_error("cannot create a pipe", errno);
  // Everything the child needs is prepared before fork: the child only makes syscalls.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  sock_fprog prog{static_cast<unsigned short>(spec.filter.size()), const_cast<sock_filter*>(spec.filter.data())};
  bool need_nnp = geteuid() != 0;

  // A signal sent to the workload before its exec (a stop signal right after launch) must
  // act on the workload, not run the recorder's handler in the child and be lost there.
  pid_t pid = fork_with_default_signals();
  if (pid < 0) {
    int err = errno;
    close(go[0]);
    close(go[1]);
    throw system_error("cannot fork", err);
  }
  if (pid == 0) {
    close(go[1]);
    if (spec.own_process_group) setpgid(0, 0);
    char byte;
    while (read(go[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(go[0]);
    if (spec.stdout_fd >= 0 && dup2(spec.stdout_fd, 1) < 0) child_fail("stdout", errno, 1);
    if (spec.stderr_fd >= 0 && dup2(spec.stderr_fd, 2) < 0) child_fail("stderr", errno, 1);
    if (!spec.filter.empty()) {
      if (need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail("PR_SET_NO_NEW_PRIVS", errno, 1);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) child_fail("seccomp filter", errno, 1);
    }
    execve(spec.path.c_str(), argv.data(), environ);
    child_fail(spec.path.c_str(), errno, errno == ENOENT ? kNotFound : kNotExecutable);
  }
  close(go[0]);
  if (spec.own_process_group) setpgid(pid, pid);  // both sides, so neither races the other
  return Launched{pid, go[1]};
}

void release_child(Launched& child) {
  if (child.go_fd < 0) return;
  char byte = 1;
  ssize_t ignored = write(child.go_fd, &byte, 1);
  (void)ignored;
  close(child.go_fd);
  child.go_fd = -1;
}

}  // namespace syscribe::tracer
