// The limits pass: a syscall with more distinct tuples than max_rules_per_syscall loses the
// filter on the argument with the most distinct values until it fits, each step labelled
// and warned about.
#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_limits(PolicyBuild& b) {
  size_t limit = b.opts.max_rules_per_syscall;
  for (auto& [name, e] : b.entries) {
    while (e.tuples.size() > limit && !e.filters.empty()) {
      size_t k = 0;
      for (size_t i = 1; i < e.filters.size(); ++i)
        if (e.filters[i].values.size() > e.filters[k].values.size()) k = i;
      std::string why = fmt::format("{} argument tuples, more than the limit of {} rules per syscall: any {} allowed",
                                    e.tuples.size(), limit, e.filters[k].arg);
      b.pol.warnings.push_back(fmt::format("{}: widened: {}", name, why));
      e.sources.push_back({Origin::widened, why});
      drop_filter(e, k);
    }
  }
}

}  // namespace syscribe::gen
