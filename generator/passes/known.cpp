// The known pass: an incremental recording (record --known) did not stop on syscalls it
// already knew, nor on argument values it already knew, so they are not in its evidence as
// calls; they stay allowed, the values with their filters.
#include <algorithm>

#include <fmt/format.h>

#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

// The recorded values matched `keys` (ev::known_key): they join the entry's filters and
// tuples as observed values would. A key that leaves a filtered argument open, or compares
// fewer of its bits than the filter, widens that filter (labelled).
void add_known_tuples(PolicyEntry& e, const std::set<std::string>& keys, bool arg_filters,
                      std::vector<std::string>& warnings) {
  const sys::SyscallInfo& info = *sys::find(e.syscall);
  bool fresh = e.sources.empty();
  add_source(e, Origin::known, "argument values allowed without recording by an incremental recording (--known)");
  std::vector<std::vector<ev::KnownCompare>> known;
  ev::SyscallStats seen;  // the known values, for dangerous_values
  for (const auto& key : keys) {
    known.push_back(ev::parse_known_key(info, key).value());  // the evidence reader checked it
    for (const auto& c : known.back()) seen.args[std::string(info.args[c.index].name)][fmt::format("0x{:x}", c.value)] = 1;
  }
  // A known namespace flag is no more silent than an observed one.
  if (std::string d = dangerous_values(info, seen); !d.empty() && e.danger.find(d) == std::string::npos)
    e.danger += (e.danger.empty() ? "" : ", ") + d;
  if (!arg_filters || (!fresh && e.filters.empty())) return;  // any arguments already
  if (fresh)
    for (size_t i : ev::tuple_args(info)) {
      const sys::ArgInfo& a = info.args[i];
      e.filters.push_back({std::string(a.name), static_cast<unsigned>(i), a.use, filter_mask(a), {}, {}});
    }
  for (size_t n = 0; n < known.size(); ++n) {
    std::vector<uint64_t> t;
    for (size_t k = 0; k < e.filters.size();) {
      const ArgFilter& f = e.filters[k];
      auto c = std::find_if(known[n].begin(), known[n].end(), [&](const auto& x) { return x.index == f.index; });
      if (c != known[n].end() && (c->mask & f.mask) == f.mask) {
        t.push_back(c->value & f.mask);
        ++k;
        continue;
      }
      std::string why = fmt::format("a known tuple ({}) leaves {} open: any {} allowed", *std::next(keys.begin(), n),
                                    f.arg, f.arg);
      warnings.push_back(fmt::format("{}: widened: {}", e.syscall, why));
      add_source(e, Origin::widened, why);
      drop_filter(e, k);
    }
    if (e.filters.empty()) return;
    for (size_t k = 0; k < e.filters.size(); ++k) {
      auto& vals = e.filters[k].values;
      if (!std::binary_search(vals.begin(), vals.end(), t[k]))
        vals.insert(std::upper_bound(vals.begin(), vals.end(), t[k]), t[k]);
    }
    if (std::find(e.tuples.begin(), e.tuples.end(), t) == e.tuples.end())
      e.tuples.insert(std::upper_bound(e.tuples.begin(), e.tuples.end(), t), t);
  }
}

}  // namespace

void pass_known(PolicyBuild& b) {
  for (const auto& r : b.recordings)
    for (const auto& name : r.known) {
      const sys::SyscallInfo* s = sys::find(name);
      // A stub (clone3) keeps its errno: it is never argument-free knowledge.
      if (!s || s->stub_errno != 0 || (b.entries.count(name) && b.entries[name].has(Origin::known))) continue;
      PolicyEntry& e = b.entry(name);
      if (!e.has(Origin::observed)) {  // known calls are never argument-sensitive
        e.filters.clear();
        e.tuples.clear();
      }
      add_source(e, Origin::known, "allowed without recording by an incremental recording (--known)");
    }
  for (const auto& r : b.recordings)
    for (const auto& [arch, calls] : r.known_tuples)
      for (const auto& [name, keys] : calls) {
        const sys::SyscallInfo* s = sys::find(name);
        if (s && s->stub_errno == 0) add_known_tuples(b.entry(name), keys, b.opts.arg_filters, b.pol.warnings);
      }
}

}  // namespace syscribe::gen
