// The clone3 pass: a syscall info.tsv gives a stub (clone3: errno=ENOSYS,fallback=clone) is
// answered that errno unless it was observed and a review accepted it. clone3's flags sit in
// memory seccomp cannot read, so allowing it would bypass the clone namespace filter; on
// ENOSYS glibc falls back to clone, which is added when clone3 was observed.
#include <algorithm>

#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

// The fallback `name` needs once its stub answers: allowed, with "no namespace flags" among
// the values its masked filters allow (the fallback's flags were never seen).
void add_fallback(PolicyBuild& b, const sys::SyscallInfo& stub) {
  PolicyEntry& c = b.entry(std::string(stub.fallback));
  add_source(c, Origin::fallback,
             fmt::format("glibc calls {} when {} returns {}", stub.fallback, stub.name, sys::errno_name(stub.stub_errno)));
  const sys::SyscallInfo* ci = sys::find(stub.fallback);
  if (!c.has(Origin::observed)) {
    if (b.opts.arg_filters) c.filters = closed_mask_filters(*ci);
  } else {
    for (auto& f : c.filters) {
      if (f.use != sys::ArgUse::mask || std::binary_search(f.values.begin(), f.values.end(), 0ull)) continue;
      f.values.insert(f.values.begin(), 0);
      f.names.insert(f.names.begin(), value_name(ci->args[f.index], 0));
    }
  }
  single_filter_tuples(c);
}

}  // namespace

void pass_clone3(PolicyBuild& b) {
  for (const sys::SyscallInfo& s : sys::all_syscalls()) {
    if (s.stub_errno == 0) continue;
    std::string name(s.name);
    bool seen = b.agg.count(name) > 0;
    if (seen && b.opts.accepted_stubs.count(name)) {
      add_source(b.entry(name), Origin::observed, "accepted by a review decision");
      continue;
    }
    PolicyEntry& e = b.entry(name);
    e.action = Action::error;
    e.errno_ret = static_cast<uint32_t>(s.stub_errno);
    e.filters.clear();
    e.tuples.clear();
    std::string why = fmt::format("returns {} so glibc falls back to {}, whose flags seccomp can check",
                                  sys::errno_name(s.stub_errno), s.fallback);
    add_source(e, Origin::clone3_stub, seen ? "observed but not accepted: " + why : why);
    if (seen) add_fallback(b, s);
  }
}

}  // namespace syscribe::gen
