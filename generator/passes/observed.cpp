// The observed pass: one allow entry per syscall the workload made, with argument filters
// and tuples from the evidence (with the values allow decisions give, where they give some).
#include <algorithm>

#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_observed(PolicyBuild& b) {
  for (auto& [name, a] : b.agg) {
    const sys::SyscallInfo* info = sys::find(name);
    PolicyEntry& e = b.entry(name);
    e.count = a.stats.count;
    for (auto& [key, u] : a.processes) e.processes.push_back(u);
    std::sort(e.processes.begin(), e.processes.end(),
              [](const ProcessUse& x, const ProcessUse& y) { return std::tie(y.count, x.exe) < std::tie(x.count, y.exe); });
    e.phases = a.phases;
    e.observed_arches = a.arches;
    for (const auto& [arg, values] : a.stats.args) {
      const sys::ArgInfo* ai = info->arg(arg);
      for (const auto& [text, n] : values) {
        std::string shown = text;
        if (ai && !sys::is_string_kind(ai->kind))
          if (auto v = sys::parse_value("", text)) shown = value_name(*info, *ai, *v, a.stats);
        e.arg_values[arg][shown] += n;
      }
    }
    std::string who = e.processes.empty() ? "" : e.processes.front().exe;
    if (e.processes.size() > 1) who += fmt::format(" and {} more", e.processes.size() - 1);
    add_source(e, Origin::observed,
               fmt::format("{} by {} ({})", calls_text(e.count), who, fmt::join(e.phases, ", ")));
    const ev::SyscallStats& allowed = a.decided ? *a.decided : a.stats;
    e.danger = dangerous_values(*info, allowed);
    if (!b.opts.arg_filters || b.denied(name)) continue;
    e.filters = filters_from(*info, allowed, b.pol.warnings);
    if (e.filters.size() > 1) {
      // Without tuples the cross product is exact while at most one argument varies.
      size_t varying = 0;
      for (const auto& f : e.filters) varying += f.values.size() > 1;
      if (auto t = tuples_from(*info, allowed, e.filters)) {
        e.tuples = std::move(*t);
      } else {
        e.tuples = cross_product(e.filters);
        if (varying > 1) {
          std::vector<std::string> args;
          for (const auto& f : e.filters) args.push_back(f.arg);
          std::string why = fmt::format("the evidence holds no argument tuples for some calls (recorded before "
                                        "syscribe kept them): every combination of the observed {} is allowed",
                                        fmt::join(args, ", "));
          add_source(e, Origin::widened, why);
          b.pol.warnings.push_back(fmt::format("{}: widened: {}", name, why));
        }
      }
    }
    single_filter_tuples(e);
  }
}

}  // namespace syscribe::gen
