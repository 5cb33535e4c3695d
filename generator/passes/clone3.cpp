// The clone3 pass: clone3's flags sit in memory seccomp cannot read, so allowing it would
// bypass the clone namespace filter. It gets ENOSYS (glibc then falls back to clone) unless
// it was observed and accepted; when it was observed, clone is added as the fallback.
#include <algorithm>
#include <cerrno>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_clone3(PolicyBuild& b) {
  bool clone3_seen = b.agg.count("clone3") > 0;
  if (clone3_seen && b.opts.accept_clone3) {
    add_source(b.entry("clone3"), Origin::observed, "accepted by a review decision");
    return;
  }
  PolicyEntry& e = b.entry("clone3");
  e.action = Action::error;
  e.errno_ret = ENOSYS;
  e.filters.clear();
  e.tuples.clear();
  add_source(e, Origin::clone3_stub,
             clone3_seen ? "observed but not accepted: returns ENOSYS so glibc falls back to clone, whose flags "
                           "seccomp can check"
                         : "returns ENOSYS so glibc falls back to clone, whose flags seccomp can check");
  if (!clone3_seen) return;
  PolicyEntry& c = b.entry("clone");
  add_source(c, Origin::fallback, "glibc calls clone when clone3 returns ENOSYS");
  const sys::SyscallInfo* ci = sys::find("clone");
  if (!c.has(Origin::observed)) {
    if (b.opts.arg_filters) c.filters = closed_mask_filters(*ci);
    single_filter_tuples(c);
    return;
  }
  // The fallback's flags were never seen: make sure "no namespace flags" is allowed.
  for (auto& f : c.filters) {
    if (f.use != sys::ArgUse::mask || std::binary_search(f.values.begin(), f.values.end(), 0ull)) continue;
    f.values.insert(f.values.begin(), 0);
    f.names.insert(f.names.begin(), value_name(ci->args[f.index], 0));
  }
  single_filter_tuples(c);
}

}  // namespace syscribe::gen
