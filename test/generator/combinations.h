// Test helpers shared by the generator tests that evaluate filters: the combinations an
// exact-tuple filter must tell apart from the tuples it was built from, and calls built from
// tuples.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "evidence/evidence.h"

namespace syscribe::test {

// A filter's answers as the BPF evaluator gives them (SECCOMP_RET_ALLOW, SECCOMP_RET_TRACE).
constexpr uint32_t kAllow = 0x7fff0000u;
constexpr uint32_t kTrace = 0x7ff00000u;
using Args = std::array<uint64_t, 6>;

// A call's six arguments from a tuple (values of ev::tuple_args, in order); the others 0.
inline Args args_of(const sys::SyscallInfo& info, const std::vector<uint64_t>& t) {
  Args a{};
  std::vector<size_t> idx = ev::tuple_args(info);
  for (size_t i = 0; i < idx.size(); ++i) a[idx[i]] = t[i];
  return a;
}

// Every combination of the values each position took in `tuples` (all the same length).
inline std::vector<std::vector<uint64_t>> combinations(const std::vector<std::vector<uint64_t>>& tuples) {
  std::vector<std::set<uint64_t>> values(tuples.front().size());
  for (const auto& t : tuples)
    for (size_t i = 0; i < t.size(); ++i) values[i].insert(t[i]);
  std::vector<std::vector<uint64_t>> out{{}};
  for (const auto& vs : values) {
    std::vector<std::vector<uint64_t>> next;
    for (const auto& t : out)
      for (uint64_t v : vs) {
        next.push_back(t);
        next.back().push_back(v);
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace syscribe::test
