// The --known recording filter, offline: evidence or a profile in, the exported BPF run on
// fake seccomp_data per arch (as libseccomp's tests feed rows to its simulator). A call whose
// recorded values are a known tuple must be allowed; any other call, including every
// unobserved combination of observed values, must reach the tracer (SECCOMP_RET_TRACE).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <linux/filter.h>
#include <set>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/known.h"
#include "generator/policy.h"
#include "test/generator/combinations.h"

using namespace syscribe;
using namespace syscribe::gen;
using namespace syscribe::test;  // the filter-evaluation helpers (combinations.h)
using sys::Arch;

namespace {

using Tuple = std::vector<uint64_t>;

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = fmt::format("{}/syscribe-known-test-{}-{}", P_tmpdir, getpid(), name);
  write_file_atomic(path, text);
  return path;
}

// Records `tuples` of `syscall` on `arch` as the recorder would: one value per recorded
// argument in `args`, and the tuple when there are two or more.
void observe(ev::Evidence& e, Arch arch, const std::string& syscall, const std::vector<Tuple>& tuples,
             bool keep_tuples = true) {
  ev::Process& p = e.processes[{"/usr/bin/app", "app"}];
  p.exe = "/usr/bin/app";
  p.comm = "app";
  const sys::SyscallInfo* info = sys::find(syscall);
  std::vector<size_t> idx;
  for (size_t i = 0; i < info->args.size(); ++i)
    if (info->args[i].use != sys::ArgUse::none) idx.push_back(i);
  ev::SyscallStats& st = p.phases["startup"][std::string(sys::arch_name(arch))][syscall];
  for (const auto& t : tuples) {
    ++st.count;
    for (size_t i = 0; i < idx.size(); ++i) st.args[std::string(info->args[idx[i]].name)][fmt::format("0x{:x}", t[i])] += 1;
    if (keep_tuples && idx.size() >= 2) st.tuples[ev::tuple_key(*info, t)] += 1;
  }
}

struct Filter {
  KnownFilter f;
  uint32_t decide(Arch arch, const std::string& syscall, const Args& a) const {
    const sys::SyscallInfo* info = sys::find(syscall);
    int64_t nr = info->number(arch);
    if (arch == Arch::x32) nr |= static_cast<int64_t>(sys::kX32SyscallBit);
    return run_bpf(f.bpf, sys::audit_arch(arch), static_cast<int32_t>(nr), a, big_endian(arch));
  }
};

Filter filter_for(const ev::Evidence& e, const std::vector<Arch>& arches) {
  std::string path = temp_file("evidence.json", ev::dump_evidence(e));
  Known k = read_known(path, arches);
  std::remove(path.c_str());
  return {known_filter(k, arches)};
}

// The arch families a --known filter is built for: a native arch and its compat arches.
const std::vector<std::vector<Arch>> kFamilies = {
    {Arch::x86_64, Arch::i386, Arch::x32}, {Arch::aarch64, Arch::arm}, {Arch::riscv64}, {Arch::s390x},
    {Arch::ppc64le},                       {Arch::loongarch64}};

const std::vector<Tuple> kSocket = {{2, 1, 0}, {10, 2, 0}, {2, 0x80801, 6}, {1, 1, 0}};
const std::vector<Tuple> kSetsockopt = {{1, 2}, {6, 1}, {1, 9}};

}  // namespace

TEST_CASE("known filter: every known tuple runs, every other combination of its values stops, per arch") {
  for (const auto& family : kFamilies) {
    if (std::any_of(family.begin(), family.end(), [](Arch a) { return scmp_arch_token(a) == 0; })) continue;
    ev::Evidence e;
    for (Arch a : family) {
      observe(e, a, "socket", kSocket);
      observe(e, a, "setsockopt", kSetsockopt);
      observe(e, a, "fcntl", {{1}, {3}});
      if (sys::find("mmap")->exists_on(a)) observe(e, a, "mmap", {{3}, {1}});
      observe(e, a, "clone", {{0x3d0f00}});
      observe(e, a, "getpid", {{}});
      observe(e, a, "execve", {});
    }
    Filter f = filter_for(e, family);
    CHECK(f.f.dropped == 0);
    for (Arch a : family) {
      INFO(sys::arch_name(a));
      for (const auto& [name, tuples] : {std::pair{"socket", kSocket}, std::pair{"setsockopt", kSetsockopt}}) {
        const sys::SyscallInfo* info = sys::find(name);
        if (!info->exists_on(a)) continue;
        for (const auto& t : combinations(tuples)) {
          bool known = std::find(tuples.begin(), tuples.end(), t) != tuples.end();
          INFO(name << " " << ev::tuple_key(*info, t));
          CHECK(f.decide(a, name, args_of(*info, t)) == (known ? kAllow : kTrace));
        }
      }
      CHECK(f.decide(a, "fcntl", {5, 1, 0}) == kAllow);
      CHECK(f.decide(a, "fcntl", {5, 3, 0x800}) == kAllow);
      CHECK(f.decide(a, "fcntl", {5, 4, 0x800}) == kTrace);
      if (sys::find("mmap")->exists_on(a)) {
        CHECK(f.decide(a, "mmap", {0, 4096, 3, 0x22, ~0ull, 0}) == kAllow);
        // The recorder keeps prot whole, not only the bits a profile compares (mask 0x6).
        CHECK(f.decide(a, "mmap", {0, 4096, 2, 0x22, ~0ull, 0}) == kTrace);
        CHECK(f.decide(a, "mmap", {0, 4096, 7, 0x22, ~0ull, 0}) == kTrace);
      }
      CHECK(f.decide(a, "clone", {0x3d0f00, 0, 0, 0, 0, 0}) == kAllow);
      CHECK(f.decide(a, "clone", {0x3d0f00 | 0x20000000, 0, 0, 0, 0, 0}) == kTrace);  // CLONE_NEWCGROUP: new
      CHECK(f.decide(a, "getpid", {1, 2, 3, 4, 5, 6}) == kAllow);
      CHECK(f.decide(a, "execve", {}) == kTrace);  // its path is a string: always stops
      CHECK(f.decide(a, "getppid", {}) == kTrace);  // never observed
    }
  }
}

TEST_CASE("known filter: values are compared on the bits the recorder keeps") {
  ev::Evidence e;
  for (Arch a : {Arch::x86_64, Arch::i386, Arch::x32}) {
    observe(e, a, "socket", kSocket);
    observe(e, a, "clone", {{0x3d0f00}});
    observe(e, a, "fcntl", {{3}});
  }
  Filter f = filter_for(e, {Arch::x86_64, Arch::i386, Arch::x32});
  constexpr uint64_t kHigh = 0xdead00000000ull;
  for (Arch a : {Arch::x86_64, Arch::i386, Arch::x32}) {
    INFO(sys::arch_name(a));
    // int arguments: the high half may hold garbage, the recorder cuts it off.
    CHECK(f.decide(a, "socket", {2 | kHigh, 1 | kHigh, kHigh}) == kAllow);
    CHECK(f.decide(a, "fcntl", {5, 3 | kHigh, 0}) == kAllow);
    // clone's flags are an unsigned long: all 64 bits on a 64-bit arch, the low 32 on ILP32.
    bool ilp32 = a != Arch::x86_64;
    CHECK(f.decide(a, "clone", {0x3d0f00 | kHigh, 0, 0, 0, 0, 0}) == (ilp32 ? kAllow : kTrace));
  }
}

TEST_CASE("known filter: tuples hold per arch; evidence without tuples keeps stopping") {
  ev::Evidence e;
  observe(e, Arch::x86_64, "socket", kSocket);
  observe(e, Arch::i386, "setsockopt", kSetsockopt, /*keep_tuples=*/false);  // recorded before tuples
  Filter f = filter_for(e, {Arch::x86_64, Arch::i386, Arch::x32});
  CHECK(f.decide(Arch::x86_64, "socket", {2, 1, 0}) == kAllow);
  CHECK(f.decide(Arch::i386, "socket", {2, 1, 0}) == kTrace);
  CHECK(f.decide(Arch::x32, "socket", {2, 1, 0}) == kTrace);
  CHECK(f.decide(Arch::i386, "setsockopt", {3, 1, 2, 0, 4}) == kTrace);
  CHECK(f.f.used.tuples.count("i386") == 0);
  CHECK(f.f.used.tuple_count() == kSocket.size());
}

TEST_CASE("known filter: an incremental recording's known tuples count as known again") {
  ev::Evidence e;
  ev::Recording r;
  r.command = {"app"};
  r.known = {"getpid"};
  r.known_tuples["x86_64"]["socket"] = {"domain=0x2,type=0x1,protocol=0x0"};
  r.known_tuples["x86_64"]["clone"] = {"flags&0x7e020000=0x0"};
  e.recordings.push_back(r);
  Filter f = filter_for(e, {Arch::x86_64});
  CHECK(f.decide(Arch::x86_64, "getpid", {}) == kAllow);
  CHECK(f.decide(Arch::x86_64, "socket", {2, 1, 0}) == kAllow);
  CHECK(f.decide(Arch::x86_64, "socket", {2, 1, 6}) == kTrace);
  CHECK(f.decide(Arch::x86_64, "clone", {0x3d0f00, 0, 0, 0, 0, 0}) == kAllow);
  CHECK(f.decide(Arch::x86_64, "clone", {0x3d0f00 | 0x20000, 0, 0, 0, 0, 0}) == kTrace);  // CLONE_NEWNS
}

TEST_CASE("known filter: a profile's argument rules are used as they compare") {
  std::string path = temp_file("profile.json", R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [
      {"names": ["getpid", "socket"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["setsockopt"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 3, "op": "SCMP_CMP_GE"}]},
      {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
    ]})");
  std::vector<Arch> arches{Arch::x86_64, Arch::i386, Arch::x32};
  Known k = read_known(path, arches);
  std::remove(path.c_str());
  Filter f{known_filter(k, arches)};
  for (Arch a : {Arch::x86_64, Arch::i386}) {
    INFO(sys::arch_name(a));
    CHECK(f.decide(a, "getpid", {}) == kAllow);
    CHECK(f.decide(a, "socket", {2, 1, 0}) == kTrace);  // allowed with any arguments: new values must be seen
    CHECK(f.decide(a, "clone", {0x3d0f00, 0, 0, 0, 0, 0}) == kAllow);
    CHECK(f.decide(a, "clone", {0x3d0f00 | 0x20000, 0, 0, 0, 0, 0}) == kTrace);
    CHECK(f.decide(a, "setsockopt", {3, 1, 2, 0, 4}) == kAllow);
    CHECK(f.decide(a, "setsockopt", {3, 1, 9, 0, 4}) == kTrace);
    CHECK(f.decide(a, "personality", {8}) == kAllow);  // a repeated index ORs, as runc does
    CHECK(f.decide(a, "personality", {0}) == kAllow);
    CHECK(f.decide(a, "personality", {0x20000}) == kTrace);
    CHECK(f.decide(a, "fcntl", {5, 3, 0}) == kTrace);  // a key cannot say GE
    CHECK(f.decide(a, "ioctl", {1, 0x5401, 0}) == kTrace);  // fd is not recorded
  }
  // x32 is not in the profile: a runtime would not let it through either.
  CHECK(f.decide(Arch::x32, "setsockopt", {3, 1, 2, 0, 4}) == kTrace);
  CHECK(f.f.used.tuples.at("x86_64").at("clone") == std::set<std::string>{"flags&0x7e020000=0x0"});
}

TEST_CASE("known filter: too many tuples for BPF_MAXINSNS stop again, said, and the rest still runs") {
  ev::Evidence e;
  std::vector<Tuple> requests;
  // libseccomp needs about one instruction per value of a single argument.
  for (uint64_t v = 0; v < 6000; ++v) requests.push_back({0x5400 + v});
  observe(e, Arch::x86_64, "ioctl", requests);
  observe(e, Arch::x86_64, "socket", kSocket);
  Filter f = filter_for(e, {Arch::x86_64, Arch::i386, Arch::x32});
  CHECK(f.f.bpf.size() / sizeof(sock_filter) <= BPF_MAXINSNS);
  CHECK(f.f.dropped == requests.size());
  CHECK(f.f.dropped_syscalls == std::vector<std::string>{"x86_64 ioctl"});
  CHECK(f.f.used.tuples.at("x86_64").count("ioctl") == 0);
  CHECK(f.decide(Arch::x86_64, "ioctl", {1, 0x5401, 0}) == kTrace);
  CHECK(f.decide(Arch::x86_64, "socket", {2, 1, 0}) == kAllow);
}

namespace {

// The rules a profile has for `syscall`, without their comments (which say where they came from).
std::vector<Rule> rules_of(const Profile& p, const std::string& syscall) {
  std::vector<Rule> out;
  for (Rule r : p.syscalls)
    if (r.names == std::vector<std::string>{syscall}) {
      r.comment.clear();
      out.push_back(std::move(r));
    }
  return out;
}

}  // namespace

TEST_CASE("generate: known tuples of an incremental recording are allowed with the filters observed ones get") {
  ev::Evidence observed;
  observe(observed, Arch::x86_64, "socket", kSocket);
  observe(observed, Arch::x86_64, "setsockopt", kSetsockopt);
  observe(observed, Arch::x86_64, "mmap", {{3}, {5}, {1}});
  observe(observed, Arch::x86_64, "clone", {{0x3d0f00}});
  observe(observed, Arch::x86_64, "fcntl", {{1}, {0x406}});
  observe(observed, Arch::x86_64, "read", {{}});
  // The same calls, let through by an incremental recording that observed only read.
  ev::Evidence incremental;
  observe(incremental, Arch::x86_64, "read", {{}});
  ev::Recording r;
  r.command = {"app"};
  r.known_tuples = filter_for(observed, {Arch::x86_64}).f.used.tuples;
  incremental.recordings.push_back(r);
  REQUIRE(r.known_tuples.at("x86_64").size() == 5);

  Policy want = build_policy(observed, {});
  Policy got = build_policy(incremental, {});
  for (const char* name : {"socket", "setsockopt", "mmap", "clone", "fcntl"}) {
    INFO(name);
    const PolicyEntry* e = got.find(name);
    REQUIRE(e);
    CHECK(e->has(Origin::known));
    CHECK_FALSE(e->has(Origin::observed));
    CHECK_FALSE(e->has(Origin::widened));
    CHECK(e->tuples == want.find(name)->tuples);
    CHECK(rules_of(to_profile(got), name) == rules_of(to_profile(want), name));
  }
  CHECK(got.find("socket")->tuples.size() == kSocket.size());
  Evaluator eval(to_profile(got), {.strict = true, .host = Arch::x86_64, .caps = {}});
  for (const auto& t : combinations(kSocket)) {
    bool known = std::find(kSocket.begin(), kSocket.end(), t) != kSocket.end();
    CHECK((eval.evaluate(Arch::x86_64, "socket", args_of(*sys::find("socket"), t)) == kAllow) == known);
  }
}

TEST_CASE("generate: an arch where only known calls ran is listed, as the merged evidence lists it") {
  // A 32-bit helper whose every call is known leaves no call of its own in the new recording.
  ev::Evidence observed;
  observe(observed, Arch::x86_64, "read", {{}});
  observe(observed, Arch::i386, "getpid", {{}});
  const std::vector<Arch> family = {Arch::x86_64, Arch::i386, Arch::x32};
  Filter f = filter_for(observed, family);
  CHECK(f.f.used.arches == std::set<std::string>{"x86_64", "i386"});
  ev::Evidence incremental;
  observe(incremental, Arch::x86_64, "write", {{}});
  ev::Recording r;
  r.command = {"app"};
  r.known.assign(f.f.used.names.begin(), f.f.used.names.end());
  r.known_arches.assign(f.f.used.arches.begin(), f.f.used.arches.end());
  incremental.recordings.push_back(r);
  Policy want = build_policy(observed, {});
  Policy got = build_policy(ev::from_json(ev::to_json(incremental), "new.json"), {});
  CHECK(got.arches == want.arches);
  CHECK(got.arch_why.at("i386") == "known to an incremental recording (record --known)");
  CHECK(std::find(got.arches.begin(), got.arches.end(), Arch::x32) == got.arches.end());
  // Known tuples name their arch too.
  ev::Evidence tuples_only;
  observe(tuples_only, Arch::x86_64, "read", {{}});
  ev::Recording t;
  t.command = {"app"};
  t.known_tuples["i386"]["socket"] = {"domain=0x2,type=0x1,protocol=0x0"};
  tuples_only.recordings.push_back(t);
  CHECK(build_policy(tuples_only, {}).arches == std::vector<Arch>{Arch::x86_64, Arch::i386});
  // From a profile: the arches it lists that the filter covers.
  std::string path = temp_file("arches.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})");
  Known k = read_known(path, family);
  std::remove(path.c_str());
  CHECK(k.arches == std::set<std::string>{"x86_64", "i386"});
}

TEST_CASE("generate: known tuples join observed values; a key that leaves an argument open widens, labelled") {
  ev::Evidence e;
  observe(e, Arch::x86_64, "socket", {{2, 1, 0}});
  ev::Recording r;
  r.command = {"app"};
  r.known_tuples["x86_64"]["socket"] = {"domain=0xa,type=0x2,protocol=0x0"};
  r.known_tuples["x86_64"]["clone"] = {"flags&0x7e020000=0x0", "flags=0x20011"};  // the second with CLONE_NEWNS
  r.known_tuples["x86_64"]["setsockopt"] = {"level=0x1"};  // from a profile's rule on level alone
  e.recordings.push_back(r);
  Policy pol = build_policy(e, {});
  const PolicyEntry& socket = *pol.find("socket");
  CHECK(socket.has(Origin::observed));
  CHECK(socket.has(Origin::known));
  CHECK(socket.tuples == std::vector<Tuple>{{2, 1, 0}, {10, 2, 0}});
  const PolicyEntry& clone = *pol.find("clone");
  REQUIRE(clone.filters.size() == 1);
  CHECK(clone.filters[0].mask == 0x7e020000);
  CHECK(clone.filters[0].values == std::vector<uint64_t>{0, 0x20000});
  const PolicyEntry& sso = *pol.find("setsockopt");
  CHECK(sso.has(Origin::widened));
  REQUIRE(sso.filters.size() == 1);
  CHECK(sso.filters[0].arg == "level");
  CHECK(sso.filters[0].values == std::vector<uint64_t>{1});
  CHECK(std::any_of(pol.warnings.begin(), pol.warnings.end(), [](const std::string& w) {
    return w == "setsockopt: widened: a known tuple (level=0x1) leaves optname open: any optname allowed";
  }));
  // A known dangerous value raises the risk as an observed one does.
  CHECK(clone.risk == sys::Risk::high);
  CHECK(clone.danger == "flags CLONE_NEWNS");
}
