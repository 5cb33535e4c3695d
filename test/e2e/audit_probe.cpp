// Makes the kernel write a seccomp audit record we can check `syscribe explain`
// against: loads a libseccomp filter whose rule for getppid has the chosen action,
// then calls getppid natively, through int 0x80, or in an exec'd (32-bit) program.
// Prints what it is about to do as "pid=N arch=ARCH syscall=NAME action=ACTION",
// with the name resolved by libseccomp: an oracle independent of syscribe's table.
//
//   audit_probe log|kill|errno-log call|int80
//   audit_probe log|kill|errno-log exec PROG [ARGS...]   (PROG is an i386 program)
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

namespace {

int usage() {
  std::fprintf(stderr, "usage: audit_probe log|kill|errno-log call|int80|exec PROG [ARGS...]\n");
  return 2;
}

// A syscall through the i386 entry point: the kernel sees arch i386 and takes `nr`
// as an i386 number.
long int80(long nr) {
  long ret = nr;
  asm volatile("int $0x80" : "+a"(ret) : : "memory", "rbx", "rcx", "rdx");
  return ret;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string mode = argv[1], what = argv[2];
  uint32_t action;
  std::string action_name;
  if (mode == "log") {
    action = SCMP_ACT_LOG;
    action_name = "SCMP_ACT_LOG";
  } else if (mode == "kill") {
    action = SCMP_ACT_KILL_PROCESS;
    action_name = "SCMP_ACT_KILL_PROCESS";
  } else if (mode == "errno-log") {
    action = SCMP_ACT_ERRNO(EPERM);
    action_name = "SCMP_ACT_ERRNO";  // the kernel logs the action without its errno
  } else {
    return usage();
  }

  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx || seccomp_arch_add(ctx, SCMP_ARCH_X86) != 0) return 1;
  // ERRNO is not logged unless the filter asks for it (SECCOMP_FILTER_FLAG_LOG).
  if (mode == "errno-log" && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) != 0) return 1;
  if (seccomp_rule_add(ctx, action, SCMP_SYS(getppid), 0) != 0) return 1;

  bool i386 = what != "call";
  uint32_t arch = i386 ? SCMP_ARCH_X86 : SCMP_ARCH_X86_64;
  int nr = seccomp_syscall_resolve_name_arch(arch, "getppid");
  char* name = seccomp_syscall_resolve_num_arch(arch, nr);
  std::printf("pid=%d arch=%s syscall=%s nr=%d action=%s\n", getpid(), i386 ? "i386" : "x86_64", name, nr,
              action_name.c_str());
  std::fflush(stdout);
  free(name);
  if (seccomp_load(ctx) != 0) return 1;

  long r;
  if (what == "call") {
    r = syscall(SYS_getppid);
  } else if (what == "int80") {
    r = int80(nr);
  } else if (what == "exec" && argc > 3) {
    execv(argv[3], argv + 3);
    std::perror("execv");
    return 1;
  } else {
    return usage();
  }
  if (what == "call") r = r < 0 ? -errno : r;
  std::fprintf(stderr, "getppid returned %ld\n", r);
  return 0;
}
