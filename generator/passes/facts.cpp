// The facts pass: each entry gets its category, risk and reason from syscalls-tables (a
// dangerous observed value raises the risk to high), the listed arches its rule applies on,
// and its filter values named for people.
#include <algorithm>

#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_facts(PolicyBuild& b) {
  for (auto& [name, e] : b.entries) {
    const sys::SyscallInfo* s = sys::find(name);
    e.category = s->category;
    e.risk = s->risk;
    e.reason = s->reason;
    if (!e.danger.empty()) {
      e.risk = std::max(e.risk, sys::Risk::high);
      e.reason = fmt::format("observed with {}, which syscalls-tables marks dangerous; {}", e.danger, s->reason);
    }
    // Only a translation scopes a rule to the arches that need it; any other reason to
    // allow the call holds everywhere.
    if (e.has(Origin::observed) || e.has(Origin::essential) || e.has(Origin::runtime_tail) || e.has(Origin::known) ||
        e.has(Origin::fallback) || e.action != Action::allow)
      e.scope.clear();
    for (sys::Arch a : b.pol.arches)
      if (s->exists_on(a) && (e.scope.empty() || e.scope.count(std::string(sys::arch_name(a)))))
        e.arches.insert(std::string(sys::arch_name(a)));
    for (auto& f : e.filters) {
      // A value set that depends on another argument (setsockopt's optname on its level)
      // names each value by the values that argument's filter allows.
      const sys::ArgInfo& a = s->args[f.index];
      int by = s->arg_index(sys::xlat_context_arg(a.xlat));
      std::vector<uint64_t> context;
      for (const auto& g : e.filters)
        if (by >= 0 && static_cast<int>(g.index) == by) context = g.values;
      f.names.clear();
      for (uint64_t v : f.values) f.names.push_back(by >= 0 ? sys::decode_value(*s, a, v, context) : value_name(a, v));
    }
  }
}

}  // namespace syscribe::gen
