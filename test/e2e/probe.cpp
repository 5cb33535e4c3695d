// Runs inside a container: tries what a confined workload must not do and prints one
// line per probe, "NAME ok" or "NAME ERRNO", so the test can tell the profile's EPERM
// from success. Static, so any root filesystem can hold it.
//
//   probe [NAME...]   NAME: getpid unshare mount ptrace netlink clone-ns clone-net clone-ipc
//                     (default: all)
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>

namespace {

// Each returns 0 on success or the errno of the failing call.
int try_getpid() { return getpid() > 0 ? 0 : errno; }

int try_unshare() { return unshare(CLONE_NEWNS) == 0 ? 0 : errno; }

int try_mount() {
  // A small tmpfs on a directory of our own, unmounted at once: harmless anywhere.
  const char* dir = "/tmp/.syscribe-probe-mnt";
  mkdir(dir, 0700);
  int err = mount("probe", dir, "tmpfs", 0, "size=64k") == 0 ? 0 : errno;
  if (err == 0) umount(dir);
  rmdir(dir);
  return err;
}

int try_ptrace() {
  // Attach to a child of our own: allowed by every LSM default, so only seccomp stops it.
  pid_t child = fork();
  if (child == 0) {
    // Live two seconds without a syscall (clock_gettime is the vDSO), then exit: the
    // profile may refuse pause() and kill(SIGKILL), and the parent must not hang.
    timespec start{}, now{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    do clock_gettime(CLOCK_MONOTONIC, &now);
    while (now.tv_sec - start.tv_sec < 2);
    _exit(0);
  }
  int err = ptrace(PTRACE_ATTACH, child, nullptr, nullptr) == 0 ? 0 : errno;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return err;
}

int try_netlink() {
  int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

// A raw clone with these flags; the child exits at once.
int try_clone(long flags) {
  long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return errno;
  if (pid == 0) _exit(0);
  waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return 0;
}

// A namespace flag: what Docker's default profile refuses.
int try_clone_ns() { return try_clone(CLONE_NEWUTS | SIGCHLD); }
// Other namespace flags, for a profile that allows only some.
int try_clone_net() { return try_clone(CLONE_NEWNET | SIGCHLD); }
int try_clone_ipc() { return try_clone(CLONE_NEWIPC | SIGCHLD); }

struct Probe {
  const char* name;
  int (*run)();
};
constexpr Probe kProbes[] = {
    {"getpid", try_getpid}, {"unshare", try_unshare}, {"mount", try_mount},
    {"ptrace", try_ptrace}, {"netlink", try_netlink}, {"clone-ns", try_clone_ns},
    {"clone-net", try_clone_net}, {"clone-ipc", try_clone_ipc},
};

const char* errno_text(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    default: return strerrorname_np(err) ? strerrorname_np(err) : "E?";
  }
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  for (const auto& p : kProbes) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; ++i) wanted |= std::string(argv[i]) == p.name;
    if (!wanted) continue;
    int err = p.run();
    std::printf("%s %s\n", p.name, err == 0 ? "ok" : errno_text(err));
  }
  for (int i = 1; i < argc; ++i) {
    bool known = false;
    for (const auto& p : kProbes) known |= std::string(argv[i]) == p.name;
    if (!known) {
      std::fprintf(stderr, "probe: unknown probe '%s'\n", argv[i]);
      status = 2;
    }
  }
  return status;
}
