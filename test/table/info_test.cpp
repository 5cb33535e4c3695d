// The reviewed columns of info.tsv: risk floors, argument declarations, equivalents.
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "syscalls-tables/syscalls.h"

namespace sys = syscribe::sys;

namespace {

// Blocked by Docker's default profile (the training module's list in
// ../shared/000_7bd416fdf8cf784c.txt; umount2 is the syscall behind umount) and the
// handbook's high-risk list (module loading, mounts, namespaces, ptrace, bpf, perf,
// keyrings, userfaultfd, clock setting, reboot, kexec, open_by_handle_at, io_uring).
// clone is on Docker's list only "with dangerous flags": its flags argument carries
// that rule instead (checked below).
constexpr std::string_view kAtLeastHigh[] = {
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "get_kernel_syms", "init_module", "ioperm", "iopl", "kcmp", "kexec_load",
    "kexec_file_load", "keyctl", "lookup_dcookie", "mount", "move_pages", "open_by_handle_at",
    "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module",
    "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "swapoff", "swapon", "sysfs",
    "umount", "umount2", "unshare", "userfaultfd",
    // the handbook's list, beyond Docker's
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "clock_settime64", "clock_adjtime64", "stime", "io_uring_setup", "io_uring_enter", "io_uring_register"};

const sys::SyscallInfo& get(std::string_view name) {
  const sys::SyscallInfo* s = sys::find(name);
  INFO(name);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("every syscall Docker blocks or the handbook calls high-risk is at least high", "[table][info]") {
  std::vector<std::string> low;
  for (auto name : kAtLeastHigh) {
    const auto& s = get(name);
    if (s.risk < sys::Risk::high) low.push_back(fmt::format("{} is {}", name, sys::risk_name(s.risk)));
  }
  INFO(fmt::format("{}", fmt::join(low, "\n")));
  CHECK(low.empty());
}

TEST_CASE("every syscall has a category and a reason", "[table][info]") {
  for (const auto& s : sys::all_syscalls()) {
    INFO(s.name);
    CHECK(!s.category.empty());
    CHECK(s.reason.size() > 10);
  }
}

TEST_CASE("where an arch lacks a syscall, one of its equivalents exists there", "[table][info]") {
  std::vector<std::string> problems;
  for (const auto& s : sys::all_syscalls()) {
    if (s.equivalents.empty()) continue;
    for (sys::Arch a : sys::kAllArches) {
      if (s.exists_on(a)) continue;
      bool covered = false;
      for (auto e : s.equivalents) covered = covered || sys::find(e)->exists_on(a);
      if (!covered) problems.push_back(fmt::format("{} on {}", s.name, sys::arch_name(a)));
    }
  }
  INFO(fmt::format("{}", fmt::join(problems, "\n")));
  CHECK(problems.empty());
}

TEST_CASE("the syscalls arm64 lacks name their replacements", "[table][info]") {
  const std::pair<std::string_view, std::string_view> expected[] = {
      {"open", "openat"},         {"stat", "newfstatat"},     {"stat", "statx"},
      {"lstat", "newfstatat"},    {"fstat", "newfstatat"},    {"dup2", "dup3"},
      {"pipe", "pipe2"},          {"poll", "ppoll"},          {"select", "pselect6"},
      {"epoll_wait", "epoll_pwait"}, {"epoll_create", "epoll_create1"}, {"fork", "clone"},
      {"vfork", "clone"},         {"access", "faccessat"},    {"mkdir", "mkdirat"},
      {"unlink", "unlinkat"},     {"rename", "renameat2"},    {"getdents", "getdents64"},
      {"fstat64", "fstat"},       {"_llseek", "lseek"},       {"mmap2", "mmap"}};
  for (auto [name, eq] : expected) {
    const auto& s = get(name);
    INFO(name << " -> " << eq);
    bool listed = false;
    for (auto e : s.equivalents) listed = listed || e == eq;
    CHECK(listed);
  }
  CHECK_FALSE(get("open").exists_on(sys::Arch::aarch64));
  CHECK(get("openat").number(sys::Arch::aarch64) == 56);
}

TEST_CASE("security-relevant arguments are declared for the filters the generator writes", "[table][info]") {
  const auto& clone = get("clone");
  REQUIRE(clone.arg_index("flags") == 0);
  CHECK(clone.args[0].use == sys::ArgUse::mask);
  CHECK(clone.args[0].mask == 0x7E020000);
  CHECK(get("clone3").has_recorded_args() == false);  // its flags live in memory

  // 32-bit C types are compared through MASKED_EQ 0xffffffff by the generator.
  const std::pair<std::string_view, std::string_view> eq32[] = {
      {"socket", "domain"}, {"socket", "type"},  {"socket", "protocol"}, {"ioctl", "request"},
      {"prctl", "option"},  {"personality", "persona"}, {"fcntl", "cmd"}, {"setsockopt", "level"},
      {"setsockopt", "optname"}, {"getsockopt", "optname"}, {"setns", "nstype"}, {"keyctl", "operation"},
      {"bpf", "cmd"},       {"seccomp", "operation"}};
  for (auto [name, arg] : eq32) {
    INFO(name << " " << arg);
    const sys::ArgInfo* a = get(name).arg(arg);
    REQUIRE(a);
    CHECK(a->use == sys::ArgUse::eq);
    CHECK(a->is32);
  }
  for (auto name : {"mmap", "mprotect", "pkey_mprotect", "mmap2"}) {
    INFO(name);
    const sys::ArgInfo* prot = get(name).arg("prot");
    REQUIRE(prot);
    CHECK(prot->use == sys::ArgUse::mask);
    CHECK(prot->mask == 0x6);  // PROT_WRITE|PROT_EXEC: W^X
  }
  CHECK(get("unshare").arg("flags")->use == sys::ArgUse::eq);
  CHECK_FALSE(get("unshare").arg("flags")->is32);  // the kernel reads an unsigned long
  CHECK(get("ptrace").arg("request")->use == sys::ArgUse::eq);
  CHECK(get("execve").arg("filename")->use == sys::ArgUse::record);
  CHECK(get("execveat").arg("pathname")->use == sys::ArgUse::record);
}

TEST_CASE("the arch table: natives, compat arches, byte order and systemd names", "[table][arch]") {
  using sys::Arch;
  CHECK(sys::native_of(Arch::i386) == Arch::x86_64);
  CHECK(sys::native_of(Arch::x32) == Arch::x86_64);
  CHECK(sys::native_of(Arch::arm) == Arch::aarch64);
  CHECK(sys::native_of(Arch::s390x) == Arch::s390x);
  auto x86 = sys::compat_arches(Arch::x86_64);
  CHECK(std::vector<Arch>(x86.begin(), x86.end()) == std::vector<Arch>{Arch::i386, Arch::x32});
  auto arm = sys::compat_arches(Arch::aarch64);
  CHECK(std::vector<Arch>(arm.begin(), arm.end()) == std::vector<Arch>{Arch::arm});
  CHECK(sys::compat_arches(Arch::riscv64).empty());
  CHECK(sys::compat_arches(Arch::i386).empty());
  for (Arch a : sys::kAllArches) CHECK(sys::big_endian(a) == (a == Arch::s390x));
  CHECK(sys::systemd_arch_name(Arch::x86_64) == "x86-64");
  CHECK(sys::systemd_arch_name(Arch::ppc64le) == "ppc64-le");
  CHECK(sys::libseccomp_arch_name(Arch::i386) == "x86");
}
