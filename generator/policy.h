// The Policy: what a generated profile allows and why. Built from Evidence and options,
// independent of any output dialect; the emitters (emit.h) and the review report read it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "generator/profile.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

// Why an entry is in the policy. An entry can have several.
enum class Origin : uint8_t {
  observed,      // the workload made the call
  essential,     // no process can live without it (exit, rt_sigreturn, ...)
  runtime_tail,  // the container runtime makes it after loading the filter
  translation,   // the equivalent of an observed syscall on a target arch that lacks it
  fallback,      // clone, which glibc falls back to when clone3 gets ENOSYS
  clone3_stub,   // the explicit clone3 -> ENOSYS rule
  known,         // skipped by an incremental recording (record --known): known from before
  benign,        // argument values syscalls-tables marks as always safe when the syscall is allowed
  widened,       // a filter made wider than the evidence: too many tuples, or none recorded
};
std::string_view origin_name(Origin o);

struct Source {
  Origin origin;
  std::string note;  // one line for people: "runc: sets no_new_privs (provisional)"
};

// One process identity that made the call, and in which phases.
struct ProcessUse {
  std::string exe;
  std::string comm;
  std::set<std::string> phases;
  uint64_t count = 0;
  std::vector<std::string> stack;  // where its first call came from (record --stacks), if kept
};

// An argument filter: the call is allowed only when (arg & mask) is one of `values`.
// 64-bit eq filters use mask ~0 and compare with SCMP_CMP_EQ; everything else MASKED_EQ.
struct ArgFilter {
  std::string arg;  // argument name from syscalls-tables
  unsigned index = 0;
  sys::ArgUse use = sys::ArgUse::eq;
  uint64_t mask = ~0ull;
  std::vector<uint64_t> values;    // sorted, distinct
  std::vector<std::string> names;  // values by name ("AF_INET", "CLONE_VM|CLONE_FS"), same order
};

struct PolicyEntry {
  std::string syscall;
  Action action = Action::allow;
  std::optional<uint32_t> errno_ret;
  std::vector<Source> sources;
  // The review decisions that allow it, for the profile's comment ("review: allowed by ...:
  // reason"); the report shows them in their own column, not as an origin.
  std::string review_note;
  // Evidence (observed entries only).
  uint64_t count = 0;
  std::vector<ProcessUse> processes;
  std::set<std::string> phases;
  std::set<std::string> observed_arches;
  // argument name -> value by name -> count, for every recorded argument.
  std::map<std::string, std::map<std::string, uint64_t>> arg_values;
  std::vector<ArgFilter> filters;  // empty: any arguments
  // The allowed combinations, one rule each: a value of every filter, in filters' order
  // (seccomp ANDs a rule's compares). Empty with filters: every combination of their values
  // (a labelled widening, or a single filter).
  std::vector<std::vector<uint64_t>> tuples;
  // Listed arches on which this syscall exists (libseccomp skips the others) and the rule
  // applies: those of `scope` when set.
  std::set<std::string> arches;
  // The arches a translation is for (aarch64 lacks fork: clone there); empty: all listed.
  // Docker's dialect scopes the rule with includes.arches; flat OCI cannot (a labelled widening).
  std::set<std::string> scope;
  // Observed values syscalls-tables marks dangerous ("flags CLONE_NEWUTS"): they raise the
  // risk to high, so review needs a decision as for unshare.
  std::string danger;
  // From syscalls-tables.
  std::string category;
  sys::Risk risk = sys::Risk::low;
  std::string reason;

  bool has(Origin o) const;
};

struct PolicyOptions {
  Action default_action = Action::error;
  uint32_t errno_value = 1;  // EPERM
  std::vector<std::string> phases;             // empty: all
  std::vector<std::string> exclude_processes;  // exe paths or comms
  bool arg_filters = true;
  std::vector<sys::Arch> arches;  // --arch: targets besides the observed ones
  std::string runtime = "none";   // runc, crun, none
  // Syscalls with a stub (clone3 -> ENOSYS) a review decision accepts: allowed when observed.
  std::set<std::string> accepted_stubs;
  std::string runtime_tails;      // runtime-tails.tsv text; empty: the built-in copy
  // Distinct argument tuples one syscall may list before its filter is widened (a labelled
  // step). A 3-compare rule costs libseccomp about 12 BPF instructions per arch, so 64 tuples
  // stay near 800 of the kernel's 4,096 (BPF_MAXINSNS) even for the worst syscall.
  size_t max_rules_per_syscall = 64;
};

struct Policy {
  Action default_action = Action::error;
  std::optional<uint32_t> default_errno;
  std::vector<sys::Arch> arches;                 // listed, in syscalls-tables order
  std::map<std::string, std::string> arch_why;   // arch name -> "observed" / "asked for (--arch)"
  std::vector<PolicyEntry> entries;              // sorted by syscall name
  std::vector<std::string> warnings;             // people must read these
  std::vector<std::string> notes;                // what was added and why

  const PolicyEntry* find(const std::string& syscall) const;
};

// The path a process named on the command line or in a decision resolves to through symlinks
// on this machine (`/bin/sh` -> `/usr/bin/dash` on Debian), as the evidence keeps the exe the
// kernel reports; empty when the name is no absolute path or does not resolve. Resolve once,
// when the name is read.
std::string resolve_process(const std::string& name);
// Whether a process named `name` (`/bin/sh`, `sh`; `real` from resolve_process) is the one the
// evidence names by exe and comm: the name is the exe or the comm, or resolves to the exe.
bool process_matches(const std::string& name, const std::string& real, const std::string& exe,
                     const std::string& comm);

// Builds the policy. Throws a usage Error for options that make no sense (an unknown phase
// or runtime, an excluded process that is not in the evidence).
Policy build_policy(const ev::Evidence& ev, const PolicyOptions& opts);

// The runtime tails (syscalls-tables/runtime-tails.tsv, built in, or `tsv` when given):
// syscall -> note.
std::map<std::string, std::string> runtime_tail(const std::string& runtime, const std::string& tsv = "");
std::vector<std::string> known_runtimes(const std::string& tsv = "");
// The filter a runtime-tails.tsv row's args cell ("option=PR_SET_KEEPCAPS,PR_CAP_AMBIENT",
// several arguments joined by ';') gives, with its tuples (every combination of the listed
// values: the cell lists what the runtime was measured to pass); nullopt for an empty cell or
// "-". Throws Error naming `where` for an argument or value the tables do not know.
std::optional<std::pair<std::vector<ArgFilter>, std::vector<std::vector<uint64_t>>>> tail_filter(
    const sys::SyscallInfo& info, const std::string& args, const std::string& where);

// The profile for a policy: one rule per syscall (several when argument filters need more
// than one combination), sorted by name; Docker comments say where each came from.
Profile to_profile(const Policy& p);
// A filter for people, saying what the rule lets through: "request only PTRACE_PEEKDATA";
// a masked one names the bits it looks at, since the other bits pass whatever they hold:
// "flags: none of CLONE_NEWNS|...|CLONE_NEWNET (other bits any)",
// "prot: of PROT_WRITE|PROT_EXEC only none, PROT_WRITE or PROT_EXEC (other bits any)".
std::string filter_text(const std::string& syscall, const ArgFilter& f);
// "1 call", "12 calls".
std::string calls_text(uint64_t n);
// "observed 12 calls by /usr/bin/app (startup, serving)" and the like.
std::string describe_sources(const PolicyEntry& e);

}  // namespace syscribe::gen
