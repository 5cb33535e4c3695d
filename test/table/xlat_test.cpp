// The value-name sets round-trip: every name decodes from its value and parses back,
// in the way the arguments that use the set declare it (flags or enum).
#include <set>
#include <string>
#include <utility>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "syscalls-tables/syscalls.h"

namespace sys = syscribe::sys;

namespace {

// Every (set, kind) pair some argument in info.tsv uses.
std::set<std::pair<std::string, sys::ArgKind>> used_sets() {
  std::set<std::pair<std::string, sys::ArgKind>> out;
  for (const auto& s : sys::all_syscalls())
    for (const auto& a : s.args)
      if (!a.xlat.empty()) out.emplace(std::string(a.xlat), a.kind);
  return out;
}

}  // namespace

TEST_CASE("every value-name set an argument uses exists and names its values", "[table][xlat]") {
  auto sets = used_sets();
  REQUIRE(sets.size() >= 15);
  for (const auto& [set, kind] : sets) {
    INFO(set);
    // An fd's set names its special values (AT_FDCWD).
    CHECK((kind == sys::ArgKind::flags || kind == sys::ArgKind::enumval || kind == sys::ArgKind::fd));
  }
}

TEST_CASE("flag sets decode each flag by name and parse the decoding back", "[table][xlat]") {
  const std::pair<const char*, const char*> names[] = {
      {"clone_flags", "CLONE_NEWUSER"}, {"clone_flags", "CLONE_THREAD"}, {"open_flags", "O_CLOEXEC"},
      {"mmap_prot", "PROT_EXEC"},       {"mmap_flags", "MAP_ANONYMOUS"}, {"mount_flags", "MS_BIND"},
      {"socket_types", "SOCK_CLOEXEC"}, {"personality", "ADDR_NO_RANDOMIZE"}};
  for (auto [set, name] : names) {
    INFO(set << " " << name);
    auto v = sys::value_of(set, name);
    REQUIRE(v);
    CHECK(sys::decode_value(set, sys::ArgKind::flags, *v) == name);
    CHECK(sys::parse_value(set, name) == v);
  }
}

TEST_CASE("combined flags decode in set order and round-trip", "[table][xlat]") {
  // A thread as glibc creates it.
  uint64_t thread = *sys::parse_value("clone_flags",
                                      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
                                      "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
  CHECK(thread == 0x3d0f00);
  CHECK(sys::decode_value("clone_flags", sys::ArgKind::flags, thread) ==
        "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
        "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
  // fork(): the exit signal in the low byte is SIGCHLD, as strace writes it; another one stays hex.
  CHECK(sys::decode_value("clone_flags", sys::ArgKind::flags, 0x1200011) ==
        "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
  CHECK(sys::parse_value("clone_flags", "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD") == 0x1200011u);
  CHECK(sys::parse_value("clone_flags", "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|0x11") == 0x1200011u);
  CHECK(sys::decode_value("clone_flags", sys::ArgKind::flags, 0x4000000 | 10) == "CLONE_NEWUTS|0xa");  // SIGUSR1
  // The socket type is an enum in the low bits: SOCK_RAW (3) is not STREAM|DGRAM.
  CHECK(sys::decode_value("socket_types", sys::ArgKind::flags, 3) == "SOCK_RAW");
  CHECK(sys::decode_value("socket_types", sys::ArgKind::flags, 0x80801) == "SOCK_CLOEXEC|SOCK_NONBLOCK|SOCK_STREAM");
  CHECK(sys::decode_value("mmap_flags", sys::ArgKind::flags, 0x22) == "MAP_PRIVATE|MAP_ANONYMOUS");
  CHECK(sys::decode_value("mmap_flags", sys::ArgKind::flags, 0x3) == "MAP_SHARED_VALIDATE");
  CHECK(sys::decode_value("open_flags", sys::ArgKind::flags, 0) == "O_RDONLY");
  CHECK(sys::decode_value("open_flags", sys::ArgKind::flags, 0x80042) == "O_RDWR|O_CREAT|O_CLOEXEC");
  CHECK(sys::decode_value("personality", sys::ArgKind::flags, 0xffffffff) == "PER_QUERY");
  CHECK(sys::decode_value("personality", sys::ArgKind::flags, 0) == "PER_LINUX");
  CHECK(sys::decode_value("personality", sys::ArgKind::flags, 0x20008) == "UNAME26|PER_LINUX32");
}

TEST_CASE("every value of every used set survives decode then parse", "[table][xlat]") {
  // Builds each set's values from names we know are in it: every name of the set is
  // reached through value_of on the decoding of its own value.
  size_t checked = 0;
  for (const auto& [set, kind] : used_sets()) {
    for (uint64_t probe : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{0x10}, uint64_t{0x800},
                           uint64_t{0x5401}, uint64_t{0x80000}, uint64_t{0x10000000}, uint64_t{0x7E020000},
                           uint64_t{0xffffffff}}) {
      std::string text = sys::decode_value(set, kind, probe);
      INFO(set << " " << fmt::format("{:#x}", probe) << " -> " << text);
      CHECK(sys::parse_value(set, text) == probe);
      ++checked;
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("enum sets give names for the values services use and hex otherwise", "[table][xlat]") {
  CHECK(sys::decode_value("address_families", sys::ArgKind::enumval, 10) == "AF_INET6");
  CHECK(sys::decode_value("address_families", sys::ArgKind::enumval, 999) == "0x3e7");
  CHECK(sys::decode_value("ioctl_requests", sys::ArgKind::enumval, *sys::value_of("ioctl_requests", "TIOCGWINSZ")) ==
        "TIOCGWINSZ");
  CHECK(sys::decode_value("prctl_options", sys::ArgKind::enumval, 38) == "PR_SET_NO_NEW_PRIVS");
  CHECK(sys::decode_value("fcntl_cmds", sys::ArgKind::enumval, 1030) == "F_DUPFD_CLOEXEC");
  CHECK(sys::decode_value("ptrace_requests", sys::ArgKind::enumval, 0x4206) == "PTRACE_SEIZE");
  CHECK(sys::decode_value("socket_levels", sys::ArgKind::enumval, 6) == "SOL_TCP");
  CHECK(sys::decode_value("socket_options", sys::ArgKind::enumval, 2) == "SO_REUSEADDR");
  CHECK(sys::parse_value("ioctl_requests", "FIONBIO") == 0x5421u);
  CHECK(sys::parse_value("ioctl_requests", "NOT_A_REQUEST") == std::nullopt);
  CHECK(sys::value_of("no_such_set", "X") == std::nullopt);
}
