// Test helper shared by the generator tests: the combinations an exact-tuple filter must
// tell apart from the tuples it was built from.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace syscribe::test {

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
