// A generated profile loads in the real kernel: a forked child loads it through libseccomp,
// then an allowed call reaches the kernel, a denied one gets EPERM and clone3 gets ENOSYS.
#include <catch2/catch.hpp>

#include <cerrno>
#include <seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/policy.h"

using namespace syscribe;
using namespace syscribe::gen;

TEST_CASE("a generated profile loads in the kernel and decides as the evaluator does") {
  ev::Evidence ev = ev::read_evidence("data/webapp.evidence.json");
  Profile prof = to_profile(build_policy(ev, {}));
  sys::Arch host = sys::host_arch();
  Compiled c = compile_profile(prof, std::span(&host, 1), {.strict = true, .host = host, .caps = {}});
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Only raw syscalls from here on: the filter allows little.
    if (seccomp_load(static_cast<scmp_filter_ctx>(c.ctx.get())) != 0) _exit(10);
    int bits = 0;
    if (syscall(SYS_write, -1, "", 0) == -1 && errno == EBADF) bits |= 1;          // allowed: the kernel answers
    if (syscall(SYS_getpid) == -1 && errno == EPERM) bits |= 2;                    // never observed: EPERM
    if (syscall(SYS_clone3, nullptr, 0) == -1 && errno == ENOSYS) bits |= 4;       // the clone3 stub
    if (syscall(SYS_unshare, 0x10000000) == -1 && errno == EPERM) bits |= 8;       // CLONE_NEWUSER
    syscall(SYS_exit_group, bits);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 15);
}
