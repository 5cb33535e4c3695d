// numbers.csv against libseccomp: wherever libseccomp knows a syscall on an arch, our
// number must be its number, in both directions (by name and by number). Every
// disagreement is collected and reported at once, so one run shows the whole damage.
#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "syscalls-tables/syscalls.h"

namespace sys = syscribe::sys;

namespace {

// libseccomp spells arches like our SCMP_ARCH_* names, lower case and without the prefix.
std::string lowercase_scmp_name(sys::Arch arch) {
  std::string s(sys::scmp_arch_name(arch).substr(std::string_view("SCMP_ARCH_").size()));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct KnownArch {
  sys::Arch arch;
  uint32_t token;
};

// The arches both we and the installed libseccomp know (2.5.4 has no loongarch64).
std::vector<KnownArch> shared_arches() {
  std::vector<KnownArch> out;
  for (sys::Arch a : sys::kAllArches) {
    uint32_t token = seccomp_arch_resolve_name(lowercase_scmp_name(a).c_str());
    if (token != 0)
      out.push_back({a, token});
    else
      WARN("libseccomp does not know " << sys::arch_name(a) << ": not compared");
  }
  return out;
}

// Every number libseccomp can name on an arch lies in one of these ranges.
std::vector<int> candidate_numbers(sys::Arch arch) {
  std::vector<int> out;
  int base = arch == sys::Arch::x32 ? static_cast<int>(sys::kX32SyscallBit) : 0;
  for (int nr = 0; nr < 1100; ++nr) out.push_back(base + nr);
  if (arch == sys::Arch::arm)
    for (int nr = 0xf0000; nr < 0xf0010; ++nr) out.push_back(nr);  // ARM private syscalls
  return out;
}

std::string report(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("every syscall libseccomp names has our number on that arch", "[table][libseccomp]") {
  auto arches = shared_arches();
  REQUIRE(arches.size() >= 8);
  std::vector<std::string> problems;
  size_t compared = 0;
  for (const auto& [arch, token] : arches) {
    for (const auto& s : sys::all_syscalls()) {
      std::string name(s.name);
      int theirs = seccomp_syscall_resolve_name_arch(token, name.c_str());
      if (theirs < 0) continue;  // unknown to libseccomp, or a pseudo number: not on this arch for it
      ++compared;
      if (!s.exists_on(arch))
        problems.push_back(fmt::format("{} {}: libseccomp {} , ours absent", sys::arch_name(arch), name, theirs));
      else if (s.number(arch) != theirs)
        problems.push_back(
            fmt::format("{} {}: libseccomp {}, ours {}", sys::arch_name(arch), name, theirs, s.number(arch)));
    }
  }
  INFO(report(problems));
  CHECK(problems.empty());
  CHECK(compared > 2500);  // the comparison really ran over the tables
}

TEST_CASE("every number libseccomp resolves is the same syscall in our table", "[table][libseccomp]") {
  std::vector<std::string> problems;
  size_t compared = 0;
  for (const auto& [arch, token] : shared_arches()) {
    for (int nr : candidate_numbers(arch)) {
      char* theirs = seccomp_syscall_resolve_num_arch(token, nr);
      if (!theirs) continue;
      std::string name(theirs);
      std::free(theirs);
      ++compared;
      const sys::SyscallInfo* ours = sys::find(arch, nr);
      if (!ours)
        problems.push_back(fmt::format("{} {}: libseccomp {}, ours none", sys::arch_name(arch), nr, name));
      else if (ours->name != name)
        problems.push_back(fmt::format("{} {}: libseccomp {}, ours {}", sys::arch_name(arch), nr, name, ours->name));
    }
  }
  INFO(report(problems));
  CHECK(problems.empty());
  CHECK(compared > 2500);
}

TEST_CASE("the arch table's libseccomp name resolves to the arch's own token", "[table][libseccomp]") {
  for (const auto& k : shared_arches()) {
    INFO(sys::arch_name(k.arch));
    CHECK(seccomp_arch_resolve_name(std::string(sys::libseccomp_arch_name(k.arch)).c_str()) == k.token);
  }
}
