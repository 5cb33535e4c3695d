// In-memory aggregate of what the tracer saw, shaped for the hot path: a syscall stop
// costs a few array lookups and counter increments; memory is allocated only the first
// time an (identity, phase, arch, number) or an argument value is seen.
// to_evidence() turns it into the ev::Evidence contract.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "evidence/evidence.h"
#include "syscalls-tables/syscalls.h"
#include "tracer/syscall_stop.h"

namespace syscribe::tracer {

class PhaseClock;

// One argument that syscalls-tables marks as recorded (ArgUse other than none).
struct ArgSlot {
  int index = 0;
  std::string_view name;
  bool is_string = false;
  bool is32 = false;
  std::unordered_map<uint64_t, uint64_t> numbers;  // value -> count
  std::map<std::string, uint64_t> strings;         // string -> count
};

struct Counter {
  const sys::SyscallInfo* info = nullptr;  // nullptr: number unknown to the table
  uint64_t count = 0;
  double first = 0;
  double last = 0;
  std::vector<ArgSlot> slots;
  // The filtered number arguments (ev::tuple_args) when there are two or more, and the
  // combinations they came in: the tuple's values in that order, unused entries 0.
  std::vector<std::pair<int, bool>> tuple_slots;  // index, is32
  std::map<std::array<uint64_t, 6>, uint64_t> tuples;
  std::map<int, uint64_t> errors;  // errno -> count
  std::vector<std::string> stack;  // the first call's stack (record --stacks)
};

// A process identity (executable path, comm) and everything recorded for it.
struct Identity {
  std::string exe;
  std::string comm;
  uint64_t instances = 0;
  std::set<std::vector<std::string>> argvs;
  std::set<std::vector<std::string>> parent_chains;
  // [phase][arch] -> counters indexed by number (without the x32 bit).
  std::vector<std::array<std::vector<std::unique_ptr<Counter>>, sys::kArchCount>> table;
  // Numbers too large for the direct table (arm private calls, garbage).
  std::map<std::tuple<uint32_t, size_t, uint64_t>, std::unique_ptr<Counter>> far;
};

// Strings of a stop read ahead of time (for a stop recorded after the tracee moved on).
using PrereadStrings = std::array<std::string, 6>;

class Aggregator {
 public:
  Identity& identity(const std::string& exe, const std::string& comm);

  // Counts one syscall stop of `tid` (entry or seccomp) for `id` in `phase` at time `now`.
  // Returns the counter, so an exit stop can add its error to it.
  Counter& record(Identity& id, uint32_t phase, const SyscallStop& stop, double now, pid_t tid,
                  const PrereadStrings* pre = nullptr);

  // Reads the string arguments `record` would read, for a stop recorded later.
  static void preread(const SyscallStop& stop, pid_t tid, PrereadStrings& out);

  uint64_t total() const { return total_; }
  size_t distinct() const { return distinct_; }
  std::map<std::string, size_t> distinct_per_arch() const;
  uint64_t unknown_arch() const { return unknown_arch_; }
  void count_unknown_arch() { ++unknown_arch_; }

  // Snapshot in the evidence model (processes only; the caller adds the Recording).
  ev::Evidence to_evidence(const PhaseClock& clock) const;

 private:
  Counter& counter(Identity& id, uint32_t phase, sys::Arch arch, uint64_t nr);
  Counter* make_counter(sys::Arch arch, uint64_t nr);

  std::map<ev::ProcessKey, std::unique_ptr<Identity>> ids_;
  std::array<std::vector<bool>, sys::kArchCount> seen_;
  std::array<std::set<uint64_t>, sys::kArchCount> seen_far_;
  uint64_t total_ = 0;
  size_t distinct_ = 0;
  uint64_t unknown_arch_ = 0;
};

}  // namespace syscribe::tracer
