// Exact argument tuples and the widenings a profile may make only with a label: every output
// is run through the project's BPF evaluator, as the kernel would run it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/emit.h"
#include "generator/lint.h"
#include "generator/policy.h"
#include "generator/profile.h"
#include "generator/review.h"
#include "test/generator/combinations.h"
#include "test_evidence.h"

using namespace syscribe;
using namespace syscribe::gen;
using namespace syscribe::test;  // the filter-evaluation helpers (combinations.h)
using sys::Arch;

namespace {

PolicyOptions with_limit(size_t n) {
  PolicyOptions o;
  o.max_rules_per_syscall = n;
  return o;
}

// The decision of each output format on x86_64, as a function of one call: the written file
// read back (oci, docker, spo) or the exported BPF (bpf).
std::vector<std::pair<std::string, std::function<uint32_t(const std::string&, const Args&)>>> outputs(
    const Policy& pol) {
  std::vector<std::pair<std::string, std::function<uint32_t(const std::string&, const Args&)>>> out;
  for (OutputFormat f : {OutputFormat::oci, OutputFormat::docker, OutputFormat::spo, OutputFormat::bpf}) {
    std::vector<std::string> notes;
    std::string text = emit(pol, {.format = f, .name = "t", .nspace = ""}, notes);
    std::string name = f == OutputFormat::oci ? "oci" : f == OutputFormat::docker ? "docker" : f == OutputFormat::spo ? "spo" : "bpf";
    if (f == OutputFormat::bpf) {
      std::vector<uint8_t> prog(text.begin(), text.end());
      out.emplace_back(name, [prog](const std::string& call, const Args& a) {
        return run_bpf(prog, sys::audit_arch(Arch::x86_64), sys::find(call)->number(Arch::x86_64), a);
      });
    } else {
      auto eval = std::make_shared<Evaluator>(parse_profile_text(text, name), CompileOptions{.strict = true, .host = Arch::x86_64, .caps = {}}, name);
      out.emplace_back(name, [eval](const std::string& call, const Args& a) { return *eval->evaluate(Arch::x86_64, call, a); });
    }
  }
  return out;
}

// Each observed tuple allowed, every other combination of observed values denied, in every
// output format.
void check_exact(const std::string& syscall, const std::vector<Tuple>& observed) {
  Policy pol = build_policy(evidence_with(syscall, observed), {});
  const sys::SyscallInfo* info = sys::find(syscall);
  REQUIRE(pol.find(syscall)->tuples.size() == std::set<Tuple>(observed.begin(), observed.end()).size());
  CHECK_FALSE(pol.find(syscall)->has(Origin::widened));
  for (const auto& [format, decide] : outputs(pol)) {
    INFO(format << " " << syscall);
    for (const auto& t : combinations(observed)) {
      bool seen = std::find(observed.begin(), observed.end(), t) != observed.end();
      INFO(ev::tuple_key(*info, t));
      if (seen)
        CHECK(decide(syscall, args_of(*info, t)) == kAllow);
      else
        CHECK(decide(syscall, args_of(*info, t)) != kAllow);
    }
  }
}

}  // namespace

TEST_CASE("a profile allows the observed argument tuples and none of their cross product") {
  // socket(AF_INET, SOCK_STREAM, 0), (AF_NETLINK, SOCK_RAW, 0), (AF_INET6, SOCK_DGRAM, 0),
  // (AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)).
  check_exact("socket", {{2, 1, 0}, {16, 3, 0}, {10, 2, 0}, {17, 3, 0x300}});
  // setsockopt(SOL_SOCKET, SO_REUSEADDR), (IPPROTO_TCP, TCP_NODELAY): not (SOL_SOCKET, SO_DEBUG=1).
  check_exact("setsockopt", {{1, 2}, {6, 1}});
}

TEST_CASE("a reviewed profile allows the decided tuples, no other combination, and nothing denied") {
  // Observed socket(AF_INET, SOCK_STREAM), (AF_INET6, SOCK_DGRAM), (AF_NETLINK, SOCK_RAW); the
  // decision allows AF_INET only, with the types observed; capget is denied though runc's tail
  // makes it.
  std::vector<Tuple> observed = {{2, 1, 0}, {10, 2, 0}, {16, 3, 0}};
  std::vector<Tuple> decided = {{2, 1, 0}, {2, 2, 0}, {2, 3, 0}};
  Decisions d = parse_decisions(R"(decisions:
  - {syscall: socket, decision: allow, reason: IPv4 only in production, args: {domain: [AF_INET]}}
  - {syscall: capget, decision: deny, reason: the workload never reads capabilities}
)",
                                "review.yaml");
  PolicyOptions runc;
  runc.runtime = "runc";
  Reviewed r = review_policy(evidence_with("socket", observed, {"capget"}), runc, d);
  const sys::SyscallInfo* info = sys::find("socket");
  std::vector<Tuple> every = observed;
  every.insert(every.end(), decided.begin(), decided.end());
  CHECK(std::any_of(r.warnings.begin(), r.warnings.end(),
                    [](const std::string& w) { return w.find("observed domain AF_INET6 will be denied") != std::string::npos; }));
  for (const auto& [format, decide] : outputs(r.policy)) {
    INFO(format);
    for (const auto& t : combinations(every)) {
      INFO(ev::tuple_key(*info, t));
      bool allowed = std::find(decided.begin(), decided.end(), t) != decided.end();
      CHECK((decide("socket", args_of(*info, t)) == kAllow) == allowed);
    }
    CHECK(decide("capget", {}) != kAllow);
  }
}

TEST_CASE("tuples survive evidence JSON and merge") {
  ev::Evidence a = evidence_with("socket", {{2, 1, 0}, {10, 2, 0}});
  ev::Evidence b = ev::from_json(ev::to_json(a), "a.json");
  auto& st = b.processes.begin()->second.phases["startup"]["x86_64"]["socket"];
  CHECK(st.tuples.count("domain=0x2,type=0x1,protocol=0x0") == 1);
  ev::merge_into(b, a);
  CHECK(st.tuples.at("domain=0xa,type=0x2,protocol=0x0") == 2);
}

TEST_CASE("evidence without tuples widens to the cross product, labelled") {
  Policy pol = build_policy(evidence_with("socket", {{2, 1, 0}, {10, 2, 0}}, {}, false), {});
  const PolicyEntry* e = pol.find("socket");
  CHECK(e->has(Origin::widened));
  CHECK(e->tuples.size() == 4);
  CHECK(std::any_of(pol.warnings.begin(), pol.warnings.end(),
                    [](const std::string& w) { return w.find("socket: widened:") == 0; }));
  // One varying argument: the cross product is exact, no label.
  Policy one = build_policy(evidence_with("socket", {{2, 1, 0}, {2, 2, 0}}, {}, false), {});
  CHECK_FALSE(one.find("socket")->has(Origin::widened));
}

TEST_CASE("past the tuple limit the widest argument's filter goes, labelled, and the filter stays small") {
  std::vector<Tuple> many;
  for (uint64_t opt = 1; opt <= 40; ++opt) many.push_back({1, opt});  // SOL_SOCKET, 40 options
  for (uint64_t opt = 1; opt <= 30; ++opt) many.push_back({6, opt});  // IPPROTO_TCP, 30 options
  ev::Evidence ev = evidence_with("setsockopt", many);
  Policy at = build_policy(ev, {});  // 70 > 64
  const PolicyEntry* e = at.find("setsockopt");
  CHECK(e->has(Origin::widened));
  REQUIRE(e->filters.size() == 1);
  CHECK(e->filters[0].arg == "level");
  CHECK(e->tuples.size() == 2);
  Policy fits = build_policy(ev, with_limit(100));
  CHECK(fits.find("setsockopt")->tuples.size() == 70);
  // 70 two-compare rules compile far inside BPF_MAXINSNS.
  Profile p = to_profile(fits);
  Arch host = Arch::x86_64;
  Compiled c = compile_profile(p, std::span(&host, 1), {.strict = true, .host = host, .caps = {}});
  size_t insns = export_bpf(c.ctx.get()).size() / 8;
  INFO(insns << " instructions");
  CHECK(insns < 1024);
}

TEST_CASE("--arch translations never allow on the observed arch what its evidence did not show") {
  // fork observed on x86_64; aarch64 lacks fork and gets clone, without namespace flags.
  ev::Evidence ev = evidence_with("socket", {{2, 1, 0}}, {"fork"});
  PolicyOptions o;
  o.arches = {Arch::x86_64, Arch::aarch64};
  Policy pol = build_policy(ev, o);
  const PolicyEntry* clone = pol.find("clone");
  REQUIRE(clone);
  CHECK(clone->scope == std::set<std::string>{"aarch64"});
  CHECK(clone->arches == std::set<std::string>{"aarch64"});
  std::vector<std::string> notes;
  std::string docker = emit(pol, {.format = OutputFormat::docker, .name = "t", .nspace = ""}, notes);
  Profile p = parse_profile_text(docker, "docker");
  Evaluator x86(p, {.strict = true, .host = Arch::x86_64, .caps = {}});
  Evaluator arm(p, {.strict = true, .host = Arch::aarch64, .caps = {}});
  CHECK(*x86.evaluate(Arch::x86_64, "clone", Args{0x11}) != kAllow);
  CHECK(*arm.evaluate(Arch::aarch64, "clone", Args{0x11}) == kAllow);
  CHECK(*arm.evaluate(Arch::aarch64, "clone", Args{0x11 | 0x10000000 | 0x20000}) != kAllow);  // NEWUSER|NEWNS
  // A flat profile cannot scope the rule: it says so.
  notes.clear();
  emit(pol, {.format = OutputFormat::oci, .name = "t", .nspace = ""}, notes);
  CHECK(std::any_of(notes.begin(), notes.end(),
                    [](const std::string& n) { return n.find("widened: clone is a translation for aarch64") == 0; }));
}

TEST_CASE("runtime tails keep their measured argument filters") {
  ev::Evidence ev = evidence_with("socket", {{2, 1, 0}});
  for (const char* rt : {"runc", "crun"}) {
    PolicyOptions o;
    o.runtime = rt;
    Policy pol = build_policy(ev, o);
    INFO(rt);
    const PolicyEntry* prctl = pol.find("prctl");
    REQUIRE(prctl);
    REQUIRE(prctl->filters.size() == 1);
    CHECK(prctl->filters[0].names == std::vector<std::string>{"PR_SET_KEEPCAPS", "PR_CAPBSET_DROP", "PR_CAP_AMBIENT"});
    Evaluator eval(to_profile(pol), {.strict = true, .host = Arch::x86_64, .caps = {}});
    CHECK(*eval.evaluate(Arch::x86_64, "prctl", Args{24}) == kAllow);   // PR_CAPBSET_DROP
    CHECK(*eval.evaluate(Arch::x86_64, "prctl", Args{22}) != kAllow);   // PR_SET_SECCOMP
    if (std::string(rt) == "crun") {
      CHECK(*eval.evaluate(Arch::x86_64, "ioctl", Args{0, 0x5401}) == kAllow);  // TCGETS
      CHECK(*eval.evaluate(Arch::x86_64, "ioctl", Args{0, 0x5412}) != kAllow);  // TIOCSTI
    }
    CHECK_FALSE(prctl->has(Origin::widened));
  }
}

TEST_CASE("clone with namespace flags is high risk and needs a review decision") {
  ev::Evidence ev = evidence_with("clone", {{0x04000000 | 0x11}});  // CLONE_NEWUTS|SIGCHLD
  Policy pol = build_policy(ev, {});
  CHECK(pol.find("clone")->risk == sys::Risk::high);
  CHECK(pol.find("clone")->danger == "flags CLONE_NEWUTS");
  Reviewed r = review_policy(ev, {}, {});
  REQUIRE(r.unreviewed.size() == 1);
  CHECK(r.unreviewed[0].syscall == "clone");
  Decisions d = parse_decisions("decisions:\n  - syscall: clone\n    decision: allow\n    reason: sets up a UTS namespace\n",
                                "review.yaml");
  CHECK(review_policy(ev, {}, d).unreviewed.empty());
  // Without namespace flags clone stays at its table risk.
  CHECK(build_policy(evidence_with("clone", {{0x11}}), {}).find("clone")->risk == sys::Risk::medium);
}

TEST_CASE("benign values join the filter, labelled; systemd stubs clone3 through RestrictNamespaces") {
  ev::Evidence ev = evidence_with("fcntl", {{1}});  // F_GETFD only
  Policy pol = build_policy(ev, {});
  const PolicyEntry* f = pol.find("fcntl");
  CHECK(f->has(Origin::benign));
  Evaluator eval(to_profile(pol), {.strict = true, .host = Arch::x86_64, .caps = {}});
  CHECK(*eval.evaluate(Arch::x86_64, "fcntl", Args{1, 4, 0x800}) == kAllow);  // F_SETFL O_NONBLOCK
  CHECK(*eval.evaluate(Arch::x86_64, "fcntl", Args{1, 1031}) != kAllow);      // F_SETPIPE_SZ
  std::vector<std::string> notes;
  std::string unit = emit(pol, {.format = OutputFormat::systemd, .name = "t", .nspace = ""}, notes);
  CHECK(unit.find(" clone3 ") != std::string::npos);
  CHECK(unit.find("\nRestrictNamespaces=yes\n") != std::string::npos);
}

TEST_CASE("lint shows a labelled widening of a generated Docker profile") {
  Policy pol = build_policy(evidence_with("socket", {{2, 1, 0}, {10, 2, 0}}, {}, false), {});
  std::vector<std::string> notes;
  Profile p = parse_profile_text(emit(pol, {.format = OutputFormat::docker, .name = "t", .nspace = ""}, notes), "p");
  auto findings = lint_profile(p);
  CHECK(std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
          return f.message.find("socket is widened: the evidence holds no argument tuples") == 0;
        }) == 1);
}
