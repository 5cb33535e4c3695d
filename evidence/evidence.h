// Evidence: what a workload asked the kernel for. The one contract between the
// tracer and the generator; its JSON form is documented in docs/evidence.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace syscribe::sys {
struct SyscallInfo;
}

namespace syscribe::ev {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kFormatName = "syscribe-evidence";

// Aggregate of one syscall on one arch, in one phase of one process identity.
struct SyscallStats {
  uint64_t count = 0;
  double first = 0;  // seconds since the recording started
  double last = 0;
  // Argument name -> value -> count. Numbers are written "0x1a"; strings as they are.
  std::map<std::string, std::map<std::string, uint64_t>> args;
  // The combinations the filterable number arguments (tuple_args) came in, for syscalls
  // with two or more of them: "domain=0x2,type=0x1,protocol=0x0" -> count. A profile allows
  // these tuples, not the cross product of `args`. Absent in evidence written before tuples
  // were recorded.
  std::map<std::string, uint64_t> tuples;
  // Error results seen ("ENOENT" -> count); only recorded with record --results.
  std::map<std::string, uint64_t> errors;
  // Where the first call came from (record --stacks, high-risk syscalls only): frames
  // innermost first, "function (module)" or "module+0xOFFSET".
  std::vector<std::string> stack;
};

// arch name -> syscall name -> stats. Unknown numbers are named "#<nr>".
using SyscallMap = std::map<std::string, std::map<std::string, SyscallStats>>;

// A process identity: executable path and comm. Many pids can share one.
struct Process {
  std::string exe;
  std::string comm;
  uint64_t instances = 0;                            // processes seen with this identity
  std::set<std::vector<std::string>> argvs;          // distinct argv, at most kMaxArgvs
  std::set<std::vector<std::string>> parent_chains;  // exe of parent, grandparent, ...
  std::map<std::string, SyscallMap> phases;          // phase name -> syscalls
};
inline constexpr size_t kMaxArgvs = 16;

// A phase change: from `at` seconds on, syscalls land in `phase`.
struct Mark {
  std::string phase;
  double at = 0;
  std::string source;  // "launch", "ready tcp:127.0.0.1:8080", "signal SIGHUP", "mark", ...
  bool operator<(const Mark& o) const {
    return std::tie(at, phase, source) < std::tie(o.at, o.phase, o.source);
  }
  bool operator==(const Mark& o) const = default;
};

// Facts about one recording run. A merged file holds the runs of all its inputs.
struct Recording {
  std::vector<std::string> command;  // argv launched, or "pid:N" for each attached pid
  std::string started;               // UTC, ISO 8601
  double duration = 0;               // seconds
  std::string tool_version;
  std::string mode;                  // "seccomp" (one stop) or "ptrace-syscall" (two stops)
  std::string host_kernel;
  std::string host_arch;
  int exit_status = 0;               // meaningful only when complete
  // False in a checkpoint (record --checkpoint) or what a killed recorder left behind: the
  // workload was still running, so the later phases and the exit status are missing.
  bool complete = true;
  std::vector<Mark> marks;
  std::vector<std::string> known;    // syscalls skipped by an incremental (--known) recording
  // Calls of argument-sensitive syscalls it let through because their recorded values were
  // known: arch name -> syscall -> known_key()s. They have no counts either.
  std::map<std::string, std::map<std::string, std::set<std::string>>> known_tuples;
  // The arches of its filter the known file showed calls on: what ran there unrecorded is
  // allowed, so `generate` lists them though this recording may have no call of its own there.
  std::vector<std::string> known_arches;
  // Where it ran, when recorded in a container (syscribe-runtime): "name", "image",
  // "k8s.namespace", "k8s.pod", "k8s.container", ... -> value. Empty on the host.
  std::map<std::string, std::string> container;
  bool operator<(const Recording& o) const {
    return std::tie(started, command, host_arch) < std::tie(o.started, o.command, o.host_arch);
  }
};

using ProcessKey = std::pair<std::string, std::string>;  // (exe, comm)

struct Evidence {
  std::vector<Recording> recordings;  // sorted
  std::map<ProcessKey, Process> processes;

  // Phase names in the order they first appear in the marks, then any others.
  std::vector<std::string> phase_names() const;
  // Arch names that hold at least one syscall.
  std::set<std::string> arch_names() const;
};

// The arguments whose values make up a tuple key, in call order: number arguments the
// profile filters on (eq, mask). Tuples are recorded only when there are two or more.
std::vector<size_t> tuple_args(const sys::SyscallInfo& info);
// "domain=0x2,type=0x1" for `values` (one per tuple_args entry, same order).
std::string tuple_key(const sys::SyscallInfo& info, const std::vector<uint64_t>& values);
// The values of a tuple key, one per tuple_args entry; nullopt when the key names other
// arguments, in another order, or a value is no number.
std::optional<std::vector<uint64_t>> parse_tuple(const sys::SyscallInfo& info, const std::string& key);

// One compare of a known_tuples key: (recorded value of argument `index` & mask) == value.
struct KnownCompare {
  size_t index = 0;
  uint64_t mask = ~0ull;  // ~0: the recorded value itself
  uint64_t value = 0;
  bool operator==(const KnownCompare&) const = default;
};
// "domain=0x2,type=0x1,protocol=0x0", "flags&0x7e020000=0x0": recorded number arguments in
// call order, each at most once; an argument not named may hold anything.
std::string known_key(const sys::SyscallInfo& info, const std::vector<KnownCompare>& compares);
// The compares of a known_key; nullopt when it names no argument, an argument that is no
// recorded number, one twice or out of order, or a value that is no hex number.
std::optional<std::vector<KnownCompare>> parse_known_key(const sys::SyscallInfo& info, const std::string& key);

// Adds `from` into `into`: a union with summed counts. Associative and commutative.
void merge_into(Evidence& into, const Evidence& from);
void merge_stats(SyscallStats& into, const SyscallStats& from);

// JSON conversion. to_json output is deterministic (sorted keys and lists).
nlohmann::json to_json(const Evidence& ev);
// Throws Error "FILE: JSON_PATH: what is wrong" on any malformed or unsupported input.
Evidence from_json(const nlohmann::json& j, const std::string& file);
// Whether a parsed file says it is evidence ("format": "syscribe-evidence") rather than a
// profile; from_json then validates the rest.
bool is_evidence(const nlohmann::json& j);

// What a parsed file is when it is another of syscribe's inputs: "a seccomp profile",
// "a review decisions file", or "" (evidence, or unknown).
std::string other_kind(const nlohmann::json& j);
// The same for a file that is not JSON (SPO or decisions YAML): throws Error "FILE is X,
// not evidence" when the text is one of those; returns otherwise.
void refuse_other_kind_text(const std::string& text, const std::string& file);

// One line per incomplete recording in `ev` (a checkpoint), for readers to warn with; empty
// when every recording finished.
std::vector<std::string> incomplete_recordings(const Evidence& ev);

// Reads and validates an evidence file ("-" for stdin). Throws Error naming file and
// position (line:column for JSON syntax, JSON path for content).
Evidence read_evidence(const std::string& path);
// Writes atomically; "-" for stdout.
void write_evidence(const std::string& path, const Evidence& ev);
std::string dump_evidence(const Evidence& ev);

}  // namespace syscribe::ev
