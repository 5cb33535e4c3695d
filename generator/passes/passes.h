// The passes that build a Policy. build_policy (policy.cpp) gathers the evidence into a
// PolicyBuild, runs the passes of policy_passes() in order over the same entries, and hands
// back the Policy; review_policy (review.cpp) runs the same passes with decisions, which the
// decisions, review and review gate passes apply. Each pass is a small function, testable on
// its own; the Origin it adds to an entry is what the review report shows as the rule's origin.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "evidence/evidence.h"
#include "generator/policy.h"
#include "generator/review.h"

namespace syscribe::gen {

// One syscall's evidence, over the processes, phases and arches the options keep.
struct Aggregate {
  ev::SyscallStats stats;
  // The same per process and phase (over the arches): what a decision's scope covers.
  std::map<Use, ev::SyscallStats> uses;
  // The evidence with the argument values allow decisions give in place of the observed ones,
  // for the uses they cover: the filters come from it, the evidence shown from `stats`.
  std::optional<ev::SyscallStats> decided;
  std::map<ev::ProcessKey, ProcessUse> processes;
  std::set<std::string> phases;
  std::set<std::string> arches;
};

// What review_policy adds to a build: the decisions in, and what the passes made of them.
struct ReviewState {
  Reviewed* out = nullptr;  // decisions in; stale, verdicts, unreviewed, removed, warnings out
  std::map<std::string, std::vector<size_t>> applied;  // syscall -> the decisions that apply
  std::set<std::string> denied;  // syscalls a deny takes out (a stub keeps its rule instead)
};

// What the passes read and change.
struct PolicyBuild {
  PolicyOptions opts;
  std::map<std::string, Aggregate> agg;  // the evidence per syscall, as the options keep it
  std::set<sys::Arch> observed_arches;
  std::vector<ev::Recording> recordings;  // the evidence's, for what they knew (record --known)
  Policy pol;                                  // arches, warnings, notes; entries at the end
  std::map<std::string, PolicyEntry> entries;  // by syscall name
  std::optional<ReviewState> review;           // set by review_policy

  // The entry for `name`, added (allowing any arguments) when it is not there yet.
  PolicyEntry& entry(const std::string& name);
  // Whether a review decision denies `name`: it gets no filter, no translation, and the
  // review pass takes it out.
  bool denied(const std::string& name) const;
};

struct PolicyPass {
  std::string_view name;  // as docs/profiles.md lists it
  void (*run)(PolicyBuild&);
};
// The passes in the order build_policy runs them.
std::span<const PolicyPass> policy_passes();

// Runs every pass over `b`.
void run_passes(PolicyBuild& b);

// Gathers the evidence the options keep and lists the arches; no entries yet. Throws a usage
// Error for options that make no sense (an unknown phase or runtime, an excluded process that
// is not in the evidence).
PolicyBuild start_build(const ev::Evidence& ev, const PolicyOptions& opts);
// Moves the entries, sorted by name, into the policy.
Policy finish_build(PolicyBuild&& b);

// The passes, in order. Each says what it adds or changes.
void pass_decisions(PolicyBuild& b);    // review decisions: which apply, denials, accepted stubs, decided values
void pass_observed(PolicyBuild& b);     // an allow per observed syscall, filters from the evidence
void pass_known(PolicyBuild& b);        // what an incremental recording let run unrecorded
void pass_clone3(PolicyBuild& b);       // the clone3 ENOSYS stub and glibc's clone fallback
void pass_essentials(PolicyBuild& b);   // what no process can live without
void pass_runtime_tail(PolicyBuild& b); // what the container runtime makes after loading the filter
void pass_translation(PolicyBuild& b);  // equivalents for arches that lack an observed syscall
void pass_benign(PolicyBuild& b);       // argument values syscalls-tables marks always safe
void pass_facts(PolicyBuild& b);        // category, risk and reason; the arches each rule applies on
void pass_limits(PolicyBuild& b);       // a filter with too many tuples widened, labelled
void pass_notes(PolicyBuild& b);        // what people must read about the whole profile
void pass_review(PolicyBuild& b);       // denied entries out, verdicts, decided values checked
void pass_review_gate(PolicyBuild& b);  // high-risk uses no allow covers; stale decisions

// Adds a source to an entry unless it already has the same one.
void add_source(PolicyEntry& e, Origin o, std::string note);

}  // namespace syscribe::gen
