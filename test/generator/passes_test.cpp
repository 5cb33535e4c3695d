// Each policy pass on its own: start_build gathers a small evidence, the passes before the one
// under test run as build_policy would run them, and the test looks at what that one pass did.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>

#include "generator/passes/passes.h"
#include "test_evidence.h"

using namespace syscribe;
using namespace syscribe::gen;
using sys::Arch;

namespace {

// The build after the passes up to and including `last`.
PolicyBuild build_until(const ev::Evidence& ev, const PolicyOptions& opts, std::string_view last) {
  PolicyBuild b = start_build(ev, opts);
  for (const PolicyPass& p : policy_passes()) {
    p.run(b);
    if (p.name == last) return b;
  }
  FAIL("no pass " << last);
  return b;
}

// The build after the passes before `pass`, then `pass` alone, so a test sees its effect.
struct Step {
  PolicyBuild before, after;
};
Step step(const ev::Evidence& ev, const PolicyOptions& opts, std::string_view pass) {
  PolicyBuild b = start_build(ev, opts);
  for (const PolicyPass& p : policy_passes()) {
    if (p.name == pass) {
      Step s{b, b};
      p.run(s.after);
      return s;
    }
    p.run(b);
  }
  FAIL("no pass " << pass);
  return {b, b};
}

const ArgFilter* filter_on(const PolicyEntry& e, const std::string& arg) {
  for (const auto& f : e.filters)
    if (f.arg == arg) return &f;
  return nullptr;
}

constexpr uint64_t kNsFlags = 0x7E020000;

}  // namespace

TEST_CASE("build_policy runs the passes in the documented order") {
  std::vector<std::string_view> names;
  for (const PolicyPass& p : policy_passes()) names.push_back(p.name);
  CHECK(names == std::vector<std::string_view>{"decisions", "observed", "known", "clone3", "essentials",
                                               "runtime tail", "translation", "benign values", "facts", "limits",
                                               "notes", "review", "review gate"});
  ev::Evidence ev = evidence_with("socket", {{2, 1, 0}, {10, 2, 0}}, {"read"});
  PolicyBuild b = build_until(ev, {}, "review gate");
  Policy direct = build_policy(ev, {});
  Policy passes = finish_build(std::move(b));
  REQUIRE(direct.entries.size() == passes.entries.size());
  for (size_t i = 0; i < direct.entries.size(); ++i) CHECK(direct.entries[i].syscall == passes.entries[i].syscall);
}

TEST_CASE("observed pass: one entry per observed syscall with its exact tuples") {
  Step s = step(evidence_with("socket", {{2, 1, 0}, {16, 3, 0}, {10, 2, 0}}, {"read"}), {}, "observed");
  CHECK(s.before.entries.empty());
  const PolicyEntry& e = s.after.entries.at("socket");
  CHECK(e.has(Origin::observed));
  CHECK(e.count == 3);
  CHECK(e.filters.size() == 3);
  CHECK(e.tuples == std::vector<Tuple>{{2, 1, 0}, {10, 2, 0}, {16, 3, 0}});
  CHECK(s.after.entries.at("read").filters.empty());
  CHECK(s.after.entries.size() == 2);
}

TEST_CASE("known pass: what an incremental recording knew stays allowed, clone3 excepted") {
  ev::Evidence ev = evidence_with("read", {});
  ev.recordings.push_back({});
  ev.recordings.back().known = {"getpid", "clone3", "no_such_call"};
  Step s = step(ev, {}, "known");
  CHECK(!s.before.entries.count("getpid"));
  REQUIRE(s.after.entries.count("getpid"));
  CHECK(s.after.entries.at("getpid").has(Origin::known));
  CHECK(!s.after.entries.count("clone3"));
  CHECK(!s.after.entries.count("no_such_call"));
}

TEST_CASE("clone3 pass: ENOSYS unless accepted; observed clone3 brings clone as the fallback") {
  SECTION("not observed: the stub, no fallback") {
    PolicyBuild b = step(evidence_with("read", {}), {}, "clone3").after;
    const PolicyEntry& e = b.entries.at("clone3");
    CHECK(e.action == Action::error);
    CHECK(e.errno_ret == uint32_t{ENOSYS});
    CHECK(e.has(Origin::clone3_stub));
    CHECK(!b.entries.count("clone"));
  }
  SECTION("observed, not accepted: the stub and clone without namespace flags") {
    PolicyBuild b = step(evidence_with("read", {}, {"clone3"}), {}, "clone3").after;
    CHECK(b.entries.at("clone3").action == Action::error);
    const PolicyEntry& c = b.entries.at("clone");
    CHECK(c.has(Origin::fallback));
    const ArgFilter* f = filter_on(c, "flags");
    REQUIRE(f);
    CHECK(f->mask == kNsFlags);
    CHECK(f->values == std::vector<uint64_t>{0});
    CHECK(c.tuples == std::vector<Tuple>{{0}});
  }
  SECTION("observed and accepted: allowed") {
    PolicyOptions o;
    o.accepted_stubs = {"clone3"};
    PolicyBuild b = step(evidence_with("read", {}, {"clone3"}), o, "clone3").after;
    CHECK(b.entries.at("clone3").action == Action::allow);
    CHECK(!b.entries.count("clone"));
  }
}

TEST_CASE("essentials pass: the calls no process lives without, where the arch has them") {
  PolicyBuild b = step(evidence_with("read", {}), {}, "essentials").after;
  for (const char* n : {"exit", "exit_group", "restart_syscall", "rt_sigreturn"}) {
    INFO(n);
    REQUIRE(b.entries.count(n));
    CHECK(b.entries.at(n).has(Origin::essential));
  }
  CHECK(!b.entries.count("sigreturn"));  // x86_64 has none
  PolicyOptions i386;
  i386.arches = {Arch::i386};
  CHECK(step(evidence_with("read", {}), i386, "essentials").after.entries.count("sigreturn"));
}

TEST_CASE("runtime tail pass: measured rows keep their filter, unmeasured ones widen with a label") {
  PolicyOptions o;
  o.runtime = "runc";
  o.runtime_tails =
      "runtime\tsyscall\tnote\targs\n"
      "runc\tprctl\tsets no_new_privs\toption=PR_SET_NO_NEW_PRIVS\n"
      "runc\tsocket\tnot measured\t\n"
      "crun\tioctl\tnot ours\t\n";
  Step s = step(evidence_with("socket", {{1, 1, 0}}), o, "runtime tail");
  const PolicyEntry& prctl = s.after.entries.at("prctl");
  CHECK(prctl.has(Origin::runtime_tail));
  REQUIRE(prctl.filters.size() == 1);
  CHECK(prctl.tuples.size() == 1);
  const PolicyEntry& socket = s.after.entries.at("socket");
  CHECK(socket.has(Origin::widened));
  CHECK(socket.filters.empty());
  CHECK(!s.after.entries.count("ioctl"));
  CHECK(s.after.pol.warnings.size() == s.before.pol.warnings.size() + 1);
}

TEST_CASE("translation pass: an equivalent for the arch that lacks a call, scoped and filtered") {
  PolicyOptions o;
  o.arches = {Arch::aarch64};
  Step s = step(evidence_with("fork", {}), o, "translation");
  CHECK(!s.before.entries.count("clone"));
  const PolicyEntry& c = s.after.entries.at("clone");
  CHECK(c.has(Origin::translation));
  CHECK(c.scope == std::set<std::string>{"aarch64"});
  const ArgFilter* f = filter_on(c, "flags");
  REQUIRE(f);
  CHECK(f->values == std::vector<uint64_t>{0});
}

TEST_CASE("benign values pass: safe fcntl commands join the recorded one, labelled") {
  constexpr uint64_t kGetfd = 1, kSetfl = 4;
  Step s = step(evidence_with("fcntl", {{kGetfd}}), {}, "benign values");
  CHECK(s.before.entries.at("fcntl").filters[0].values == std::vector<uint64_t>{kGetfd});
  const PolicyEntry& e = s.after.entries.at("fcntl");
  CHECK(e.has(Origin::benign));
  const auto& v = e.filters[0].values;
  CHECK(std::binary_search(v.begin(), v.end(), kSetfl));
  CHECK(e.tuples.size() == v.size());
}

TEST_CASE("facts pass: risk from the tables, raised by a dangerous value; arches per rule") {
  constexpr uint64_t kNewUts = 0x04000000;
  PolicyOptions o;
  o.arches = {Arch::aarch64};
  PolicyBuild b = step(evidence_with("clone", {{kNewUts}}, {"fork"}), o, "facts").after;
  const PolicyEntry& c = b.entries.at("clone");
  CHECK(c.risk == sys::Risk::high);
  CHECK(c.reason.find("CLONE_NEWUTS") != std::string::npos);
  // Observed: it holds on both arches, though it is also fork's translation on aarch64.
  CHECK(c.arches == std::set<std::string>{"aarch64", "x86_64"});
  CHECK(b.entries.at("fork").arches == std::set<std::string>{"x86_64"});
  CHECK(c.filters[0].names == std::vector<std::string>{"CLONE_NEWUTS"});
}

TEST_CASE("limits pass: too many tuples widen the busiest argument, labelled") {
  PolicyOptions o;
  o.max_rules_per_syscall = 2;
  Step s = step(evidence_with("socket", {{2, 1, 0}, {2, 2, 0}, {2, 3, 0}}), o, "limits");
  CHECK(s.before.entries.at("socket").tuples.size() == 3);
  const PolicyEntry& e = s.after.entries.at("socket");
  CHECK(e.has(Origin::widened));
  CHECK(!filter_on(e, "type"));
  CHECK(e.tuples.size() <= 2);
  CHECK(s.after.pol.warnings.size() == s.before.pol.warnings.size() + 1);
}

TEST_CASE("notes pass: what was added besides the observed calls, and mixed byte orders") {
  PolicyOptions o;
  o.arches = {Arch::s390x};
  Step s = step(evidence_with("read", {}), o, "notes");
  CHECK(s.before.pol.notes.empty());
  const auto& notes = s.after.pol.notes;
  CHECK(std::find(notes.begin(), notes.end(), "exit: added as essential") != notes.end());
  const auto& w = s.after.pol.warnings;
  CHECK(std::any_of(w.begin(), w.end(), [](const std::string& x) { return x.find("byte orders") != std::string::npos; }));
}
