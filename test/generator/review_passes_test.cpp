// The review passes on their own (decisions first, review and review gate last), and
// review_policy as one run of the passes: decisions change the same entries, never the
// evidence, and without decisions it builds exactly what build_policy builds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "generator/passes/passes.h"
#include "test_evidence.h"

using namespace syscribe;
using namespace syscribe::gen;

namespace {

// A build with decisions (as a decisions file writes them) after the passes up to `last`.
struct ReviewedBuild {
  Reviewed r;
  PolicyBuild b;
};
std::unique_ptr<ReviewedBuild> build_reviewed(const ev::Evidence& ev, const PolicyOptions& opts,
                                              const std::string& yaml, std::string_view last) {
  auto rb = std::make_unique<ReviewedBuild>();
  rb->r.decisions = parse_decisions(yaml, "review.yaml");
  rb->b = start_build(ev, opts);
  rb->b.review = ReviewState{&rb->r, {}, {}};
  for (const PolicyPass& p : policy_passes()) {
    p.run(rb->b);
    if (p.name == last) return rb;
  }
  FAIL("no pass " << last);
  return rb;
}

// The evidence of two processes: app made socket twice, mount and clone3; sh made mount in
// phase reload.
ev::Evidence two_processes() {
  ev::Evidence ev = evidence_with("socket", {{2, 1, 0}, {10, 2, 0}}, {"mount", "clone3", "capget"});
  ev::Process& sh = ev.processes[{"/bin/sh", "sh"}];
  sh.exe = "/bin/sh";
  sh.comm = "sh";
  sh.instances = 1;
  sh.phases["reload"]["x86_64"]["mount"].count = 1;
  return ev;
}

bool has_text(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("decisions pass: what applies to observed calls, denials, an accepted stub, decided values") {
  auto rb = build_reviewed(two_processes(), {}, R"(decisions:
  - syscall: mount
    decision: deny
    reason: the volume comes from the pod spec
  - syscall: clone3
    decision: allow
    reason: the runtime is new enough
  - syscall: socket
    decision: allow
    reason: IPv4 only in production
    args: {domain: [AF_INET]}
  - syscall: socket
    decision: allow
    reason: only the helper
    process: /usr/bin/helper
  - syscall: kexec_load
    decision: deny
    reason: never
)",
                           "decisions");
  const ReviewState& rs = *rb->b.review;
  CHECK(rb->b.entries.empty());  // it runs before the observed pass
  CHECK(rs.applied.at("mount") == std::vector<size_t>{0});
  CHECK(rs.applied.at("socket") == std::vector<size_t>{2});
  CHECK(rs.denied == std::set<std::string>{"mount"});
  CHECK(rb->b.opts.accepted_stubs.count("clone3"));
  // The scoped decision names a process that did not make the call: stale now. The decision
  // about a call nobody made waits for the review pass.
  REQUIRE(rb->r.stale.size() == 1);
  CHECK(rb->r.stale[0].decision == 3);
  CHECK(!rs.applied.count("kexec_load"));
  // Decided values replace the domain in every tuple; the evidence itself is untouched.
  const Aggregate& a = rb->b.agg.at("socket");
  REQUIRE(a.decided);
  const sys::SyscallInfo& info = *sys::find("socket");
  CHECK(a.decided->tuples.count(ev::tuple_key(info, {2, 1, 0})));
  CHECK(a.decided->tuples.count(ev::tuple_key(info, {2, 2, 0})));
  CHECK(!a.decided->tuples.count(ev::tuple_key(info, {10, 2, 0})));
  CHECK(a.stats.tuples.count(ev::tuple_key(info, {10, 2, 0})));
}

TEST_CASE("observed pass under decisions: filters from decided values, evidence as recorded, no filter for a denial") {
  auto rb = build_reviewed(two_processes(), {}, R"(decisions:
  - {syscall: socket, decision: allow, reason: IPv4 only, args: {domain: [AF_INET]}}
  - {syscall: mount, decision: deny, reason: not needed}
)",
                           "observed");
  const PolicyEntry& socket = rb->b.entries.at("socket");
  CHECK(socket.tuples == std::vector<Tuple>{{2, 1, 0}, {2, 2, 0}});
  CHECK(socket.arg_values.at("domain").count("AF_INET6"));
  const PolicyEntry& mount = rb->b.entries.at("mount");
  CHECK(mount.has(Origin::observed));
  CHECK(mount.filters.empty());
}

TEST_CASE("review pass: a denial leaves the profile even where the runtime tail adds it") {
  PolicyOptions runc;
  runc.runtime = "runc";
  auto rb = build_reviewed(two_processes(), runc, R"(decisions:
  - {syscall: capget, decision: deny, reason: the workload does not read capabilities}
  - {syscall: prctl, decision: allow, reason: runc sets no_new_privs}
  - {syscall: setns, decision: allow, reason: only in reload, phase: reload}
)",
                           "review");
  const Reviewed& r = rb->r;
  CHECK(!rb->b.entries.count("capget"));
  REQUIRE(r.removed.size() == 1);
  CHECK(r.removed[0].syscall == "capget");
  CHECK(r.removed[0].count == 1);  // its evidence, for the report
  CHECK(r.removed[0].has(Origin::runtime_tail));
  CHECK(has_text(r.warnings, "capget: denied by review.yaml:2:5, but the runc runtime makes it"));
  // An unscoped decision about a call the runtime tail adds applies to it; a scoped one about
  // a call nobody made is stale.
  CHECK(rb->b.entries.at("prctl").review_note == "review: allowed: runc sets no_new_privs");
  REQUIRE(r.stale.size() == 1);
  CHECK(r.stale[0].why == "setns is not observed");
  REQUIRE(r.verdicts.size() == 2);
  CHECK(r.verdicts[0].syscall == "capget");
  CHECK(r.verdicts[0].denied);
  CHECK(r.verdicts[0].removed);
  CHECK(!r.verdicts[1].denied);
}

TEST_CASE("review pass: a denied clone keeps clone3's stub and says threads will fail") {
  auto rb = build_reviewed(two_processes(), {}, R"(decisions:
  - {syscall: clone, decision: deny, reason: no new processes}
  - {syscall: clone3, decision: deny, reason: not clone3}
)",
                           "review");
  CHECK(!rb->b.entries.count("clone"));
  CHECK(rb->b.entries.at("clone3").errno_ret == uint32_t{ENOSYS});
  CHECK(has_text(rb->r.warnings, "glibc falls back to it when clone3 gets ENOSYS"));
  CHECK(rb->r.verdicts.back().note.find("clone3 keeps its ENOSYS rule") != std::string::npos);
}

TEST_CASE("review pass: refuses what seccomp cannot honour") {
  ev::Evidence ev = two_processes();
  CHECK_THROWS_WITH(build_reviewed(ev, {}, R"(decisions:
  - {syscall: mount, decision: allow, reason: app, process: /usr/bin/app}
  - {syscall: mount, decision: deny, reason: not sh, process: /bin/sh}
)",
                                   "review"),
                    Catch::Contains("mount: allowed at review.yaml:2:5 and denied at review.yaml:3:5"));
  CHECK_THROWS_WITH(build_reviewed(ev, {}, "decisions:\n  - {syscall: exit_group, decision: deny, reason: x}\n", "review"),
                    Catch::Contains("denies exit_group, which no process can live without"));
}

TEST_CASE("review gate: each observed high-risk use needs an allow that covers it") {
  ev::Evidence ev = two_processes();
  SECTION("no decisions: mount pending for both processes") {
    auto rb = build_reviewed(ev, {}, "decisions: []\n", "review gate");
    REQUIRE(rb->r.unreviewed.size() == 1);
    CHECK(rb->r.unreviewed[0].syscall == "mount");
    CHECK(rb->r.unreviewed[0].uses.size() == 2);
    CHECK(rb->r.unreviewed[0].count == 2);
  }
  SECTION("an allow for app leaves sh's use pending, with sh's evidence only") {
    auto rb = build_reviewed(ev, {}, "decisions:\n  - {syscall: mount, decision: allow, reason: x, process: app}\n",
                             "review gate");
    REQUIRE(rb->r.unreviewed.size() == 1);
    REQUIRE(rb->r.unreviewed[0].uses.size() == 1);
    CHECK(rb->r.unreviewed[0].uses[0].exe == "/bin/sh");
    CHECK(rb->r.unreviewed[0].count == 1);
  }
  SECTION("a deny: nothing pending, the denial in the notes") {
    auto rb = build_reviewed(ev, {}, "decisions:\n  - {syscall: mount, decision: deny, reason: x}\n", "review gate");
    CHECK(rb->r.unreviewed.empty());
    CHECK(has_text(rb->b.pol.notes, "mount: denied by review (review.yaml:2:5): x"));
  }
}

TEST_CASE("review_policy without decisions builds what build_policy builds") {
  for (const char* file : {"data/webapp.evidence.json", "data/compat.evidence.json", "data/replica-b.evidence.json",
                           "../review/data/risky.evidence.json", "../review/data/shared.evidence.json"}) {
    ev::Evidence ev = ev::read_evidence(file);
    for (const char* runtime : {"none", "runc", "crun"}) {
      PolicyOptions o;
      o.runtime = runtime;
      o.arches = {sys::Arch::aarch64};
      INFO(file << " " << runtime);
      Policy direct = build_policy(ev, o);
      Reviewed r = review_policy(ev, o, {});
      CHECK(to_profile(r.policy) == to_profile(direct));
      CHECK(r.policy.warnings == direct.warnings);
      CHECK(r.policy.notes == direct.notes);
      CHECK(r.removed.empty());
    }
  }
}
