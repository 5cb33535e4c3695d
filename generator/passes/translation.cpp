// The translation pass: for each arch asked for (--arch) but not observed, an observed
// syscall that arch lacks is allowed there as its equivalent (fork -> clone on aarch64),
// scoped to that arch and carrying the filters of what it translates. A denied syscall gets
// no equivalent.
#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

// Allows `name`'s equivalents on `target`; false when syscalls-tables names none there.
bool translate(PolicyBuild& b, const std::string& name, const sys::SyscallInfo& s, sys::Arch target) {
  std::vector<std::string_view> todo(s.equivalents.begin(), s.equivalents.end());
  std::set<std::string_view> done;
  bool placed = false;
  while (!todo.empty()) {
    std::string_view eqn = todo.back();
    todo.pop_back();
    if (!done.insert(eqn).second) continue;
    const sys::SyscallInfo* q = sys::find(eqn);
    if (!q) continue;
    if (!q->exists_on(target)) {  // an equivalent of an equivalent (stat -> newfstatat)
      todo.insert(todo.end(), q->equivalents.begin(), q->equivalents.end());
      continue;
    }
    placed = true;
    bool is_new = !b.entries.count(std::string(eqn));
    PolicyEntry& t = b.entry(std::string(eqn));
    add_source(t, Origin::translation,
               fmt::format("{} lacks {}: allowed as {} on {} only", sys::arch_name(target), name, eqn,
                           sys::arch_name(target)));
    if (t.has(Origin::observed)) continue;  // the workload's own filter stands
    t.scope.insert(std::string(sys::arch_name(target)));
    std::vector<ArgFilter> filters;
    std::vector<std::vector<uint64_t>> tuples;
    if (b.opts.arg_filters) translated_filter(b.entries[name], *q, filters, tuples);
    if (is_new) {
      t.filters = std::move(filters);
      t.tuples = std::move(tuples);
    } else if (!t.filters.empty()) {
      merge_filter(t, filters, tuples, b.pol.warnings);
    }
  }
  return placed;
}

}  // namespace

void pass_translation(PolicyBuild& b) {
  for (sys::Arch target : b.pol.arches) {
    if (b.observed_arches.count(target)) continue;
    std::vector<std::string> names;
    for (const auto& [name, e] : b.entries)
      if (e.has(Origin::observed) && !b.denied(name)) names.push_back(name);
    for (const auto& name : names) {
      const sys::SyscallInfo* s = sys::find(name);
      if (s->exists_on(target)) continue;
      if (!translate(b, name, *s, target))
        b.pol.warnings.push_back(fmt::format("{} does not exist on {} and syscalls-tables names no equivalent there",
                                             name, sys::arch_name(target)));
    }
  }
}

}  // namespace syscribe::gen
