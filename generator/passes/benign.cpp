// The benign values pass: values syscalls-tables marks as always safe join the filter of an
// allowed syscall that filters on their argument (fcntl's F_SETFL though only F_GETFD was
// recorded), labelled with what they added.
#include <algorithm>

#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

void add_benign(PolicyEntry& e, const sys::SyscallInfo& info) {
  if (e.action != Action::allow || e.filters.size() != 1) return;
  ArgFilter& f = e.filters[0];
  const sys::ArgInfo& a = info.args[f.index];
  std::vector<std::string> added;
  for (uint64_t v : a.benign) {
    uint64_t m = v & f.mask;
    if (std::binary_search(f.values.begin(), f.values.end(), m)) continue;
    f.values.insert(std::upper_bound(f.values.begin(), f.values.end(), m), m);
    added.push_back(value_name(a, m));
  }
  if (!added.empty())
    e.sources.push_back({Origin::benign, fmt::format("{} {} added: syscalls-tables marks them safe whenever {} is "
                                                     "allowed",
                                                     f.arg, fmt::join(added, ", "), e.syscall)});
  single_filter_tuples(e);
}

}  // namespace

void pass_benign(PolicyBuild& b) {
  for (auto& [name, e] : b.entries) add_benign(e, *sys::find(name));
}

}  // namespace syscribe::gen
