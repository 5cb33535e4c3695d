// Review decisions: a file people commit beside the profile that says, per syscall, allow or
// deny and why. Applied by passes of the policy build; high-risk syscalls are never allowed
// without one (generate exits 3). docs/review.md describes the file and the rules.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "evidence/evidence.h"
#include "generator/policy.h"

namespace syscribe::gen {

// Where something sits in the decisions file, for messages: "review.yaml:12:7".
struct FilePos {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;
  std::string str() const;
};

// `args: {flags: [CLONE_NEWUTS]}` or `{0: [0x4000000]}`: only these values of one argument.
struct DecisionArg {
  std::string name;  // argument name from syscalls-tables (the index is resolved to it)
  unsigned index = 0;
  std::vector<uint64_t> values;    // as written, parsed with the argument's value names
  std::vector<std::string> texts;  // as written, same order
  FilePos at;
};

struct Decision {
  std::string syscall;
  bool allow = false;
  std::string reason;
  std::vector<DecisionArg> args;
  std::string process;  // exe path or comm; empty: any
  std::string process_real;  // process resolved through symlinks when read (resolve_process)
  std::string phase;    // empty: any
  std::string by, date;
  FilePos at;           // the `- syscall:` item
  std::string label() const;  // "review.yaml:12:5 (deny mount)"
};

struct Decisions {
  std::string file;  // empty: no decisions file was given
  std::vector<Decision> list;
  std::vector<FilePos> undecided;  // skeleton items left blank (read with undecided_ok only)
};

// Reads a decisions file: YAML, or the same structure as JSON (yaml-cpp reads both).
// Throws Error "FILE:LINE:COL: decisions[2].reason: a decision needs a reason" on anything
// malformed: unknown keys, an unknown syscall or argument, a value that is not a name or a
// number, a missing reason, a decision other than allow/deny.
// With undecided_ok, an item whose decision is still blank (as `review init` writes it) is
// left out and listed in `undecided` instead (for `review check` of a file being filled in).
Decisions read_decisions(const std::string& path, bool undecided_ok = false);
Decisions parse_decisions(const std::string& text, const std::string& file, bool undecided_ok = false);

// One (process, phase) that made a syscall.
struct Use {
  std::string exe, comm, phase;
  bool operator<(const Use& o) const { return std::tie(exe, comm, phase) < std::tie(o.exe, o.comm, o.phase); }
};

// A high-risk syscall with uses no allow decision covers.
struct Unreviewed {
  std::string syscall;
  sys::Risk risk = sys::Risk::high;
  std::string reason;       // from syscalls-tables
  std::vector<Use> uses;    // the uncovered ones
  // Evidence of the uncovered uses only (what a covering decision already settled is left out).
  uint64_t count = 0;
  std::map<std::string, std::map<std::string, uint64_t>> arg_values;  // argument -> value by name -> count
  std::vector<std::pair<std::string, std::vector<std::string>>> stacks;  // process -> its first call's stack
};

// What review did to one syscall, for the report and the profile's comments.
struct Verdict {
  std::string syscall;
  std::vector<size_t> applied;  // indexes into Reviewed::decisions.list of the decisions that apply
  bool denied = false;
  bool removed = false;     // allowed before the decisions, taken out of the profile by a deny
  std::string note;         // "denied for /bin/sh; seccomp cannot tell processes apart: ..."
};

struct Stale {
  size_t decision = 0;  // index into Reviewed::decisions.list
  std::string why;  // "mount is not observed", "not observed by /usr/bin/x in phase reload"
};

struct Reviewed {
  Decisions decisions;
  PolicyOptions options;   // as used (accepted_stubs set from the decisions)
  Policy policy;           // what the profile allows; its entries keep the evidence as recorded
  std::vector<PolicyEntry> removed;   // entries a deny took out, as built, sorted by syscall
  std::vector<Verdict> verdicts;      // sorted by syscall
  std::vector<Unreviewed> unreviewed;  // non-empty: generate must refuse (kExitReview)
  std::vector<Stale> stale;           // sorted by decision
  std::vector<std::string> warnings;  // people must read these (also copied into policy.warnings)

  const Verdict* verdict(const std::string& syscall) const;
  // Every entry as built, before a deny took any out (the policy's and `removed`), by syscall.
  std::vector<const PolicyEntry*> built_entries() const;
};

// Builds the policy with the decisions applied, in one run of the passes (passes/passes.h):
//  - deny: the syscall gets no filter and no translation, and comes out of the policy even
//    when the runtime tail or the clone3 fallback adds it (with a warning); a stub (clone3) is
//    special: denying it keeps the ENOSYS rule and the clone fallback, which is what "not
//    clone3" needs to work.
//  - allow with args: the covered uses get exactly those values, so the filter is built from
//    them (translations carry them, masks and 32-bit compares apply as for observed values);
//    the evidence the report shows stays as recorded.
//  - allow of a syscall with a stub (clone3) accepts it (accepted_stubs).
//  - a decision applies where its syscall was observed by its process in its phase; one
//    without scope also to an entry the policy adds for other reasons (runtime tail,
//    translation), except a stub, which is only allowed when observed.
//  - every observed high-risk/critical use must be covered by an allow decision (scope:
//    process, phase); the rest is listed in `unreviewed`. Runtime-tail and essential entries
//    are not the workload's behaviour and need no decision: they are labelled instead.
// Throws Error naming the decision for contradictions (allow and deny both apply) and for
// denying an essential syscall.
Reviewed review_policy(const ev::Evidence& ev, const PolicyOptions& opts, Decisions decisions);

// What the review passes share. Whether decision `d` covers use `u` (its process and phase,
// when it names them); the uses an entry's evidence holds, sorted; "by /bin/sh in phase
// reload"; the syscall's info when info.tsv gives it a stub (clone3), else nullptr.
bool decision_covers(const Decision& d, const Use& u);
std::vector<Use> uses_of(const PolicyEntry& e);
std::string scope_text(const Decision& d);
const sys::SyscallInfo* stub_of(const std::string& syscall);

// The refusal message listing each unreviewed syscall with its processes and phases; empty
// when nothing is pending. generate throws it as Error(..., kExitReview).
std::string unreviewed_message(const Reviewed& r);

// A decisions skeleton for `syscribe review init`: one item per syscall that needs a decision
// (unreviewed high-risk uses), with the evidence as comments; reason and decision left empty
// so the file is refused until a person fills them in. Existing decisions are kept as they are.
std::string decisions_skeleton(const Reviewed& r, const std::vector<std::string>& inputs, const std::string& date);

bool is_high_risk(sys::Risk r);
std::string uses_text(const std::vector<Use>& uses);  // "/usr/bin/app (startup, serving), /bin/sh (reload)"
// A recorded call stack for people: "mount (libc.so.6) ← setup (libfoo.so) ← main (app)",
// modules by file name, at most `max_frames` frames.
std::string stack_text(const std::vector<std::string>& frames, size_t max_frames = 6);

}  // namespace syscribe::gen
