// The decisions pass, first of all: which review decisions apply to what the workload made,
// what they deny, which stub (clone3) they accept, and the argument values an allow gives in
// place of the observed ones. Decisions about syscalls the workload did not make wait for
// the review pass, when every entry is in.
#include <algorithm>

#include <fmt/format.h>

#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

// The tuples of a call whose argument `arg` a decision rewrote: each observed tuple with
// that argument replaced by every decided value (and kept as observed where a covering
// decision leaves the argument alone).
void rewrite_tuples(ev::SyscallStats& st, const sys::SyscallInfo& info, const std::string& arg,
                    const std::vector<const Decision*>& covering) {
  if (st.tuples.empty()) return;
  std::vector<size_t> idx = ev::tuple_args(info);
  auto pos = std::find_if(idx.begin(), idx.end(), [&](size_t i) { return info.args[i].name == arg; });
  if (pos == idx.end()) return;
  size_t k = static_cast<size_t>(pos - idx.begin());
  std::map<std::string, uint64_t> out;
  for (const auto& [key, n] : st.tuples) {
    auto t = ev::parse_tuple(info, key);
    if (!t) continue;
    std::set<uint64_t> values;
    for (const Decision* d : covering) {
      auto da = std::find_if(d->args.begin(), d->args.end(), [&](const auto& a) { return a.name == arg; });
      if (da == d->args.end())
        values.insert((*t)[k]);
      else
        values.insert(da->values.begin(), da->values.end());
    }
    for (uint64_t v : values) {
      std::vector<uint64_t> u = *t;
      u[k] = v;
      out[ev::tuple_key(info, u)] += n;
    }
  }
  st.tuples = std::move(out);
}

// One use's evidence with the values of the allow decisions covering it; false when none of
// them names argument values.
bool decide_values(ev::SyscallStats& st, const sys::SyscallInfo& info, const std::vector<const Decision*>& covering) {
  std::set<std::string> decided_args;
  for (const Decision* d : covering)
    for (const auto& a : d->args) decided_args.insert(a.name);
  for (const auto& arg : decided_args) {
    std::map<std::string, uint64_t> values;
    for (const Decision* d : covering) {
      auto da = std::find_if(d->args.begin(), d->args.end(), [&](const auto& a) { return a.name == arg; });
      if (da != d->args.end()) {
        for (uint64_t v : da->values) values[fmt::format("{:#x}", v)] += st.count;
      } else if (st.args.count(arg)) {  // this allow keeps the observed values
        for (const auto& [text, n] : st.args[arg]) values[text] += n;
      }
    }
    st.args[arg] = std::move(values);
    rewrite_tuples(st, info, arg, covering);
  }
  return !decided_args.empty();
}

}  // namespace

void pass_decisions(PolicyBuild& b) {
  if (!b.review) return;
  ReviewState& rs = *b.review;
  Reviewed& r = *rs.out;
  const auto& list = r.decisions.list;
  for (size_t i = 0; i < list.size(); ++i) {
    const Decision& d = list[i];
    auto a = b.agg.find(d.syscall);
    if (a == b.agg.end()) continue;
    std::vector<Use> uses;
    for (const auto& [u, st] : a->second.uses) uses.push_back(u);
    if (std::any_of(uses.begin(), uses.end(), [&](const Use& u) { return decision_covers(d, u); }))
      rs.applied[d.syscall].push_back(i);
    else
      r.stale.push_back({i, fmt::format("{} is observed, but not {} (observed: {})", d.syscall, scope_text(d),
                                        uses_text(uses))});
  }

  bool args_ignored = false;
  for (const auto& [name, idx] : rs.applied) {
    if (!list[idx.front()].allow) {  // contradictions are refused by the review pass
      if (!stub_of(name)) rs.denied.insert(name);
      continue;
    }
    if (stub_of(name)) b.opts.accepted_stubs.insert(name);
    Aggregate& a = b.agg.at(name);
    const sys::SyscallInfo& info = *sys::find(name);
    ev::SyscallStats decided;
    bool changed = false;
    for (const auto& [use, st] : a.uses) {
      std::vector<const Decision*> covering;
      for (size_t i : idx)
        if (decision_covers(list[i], use)) covering.push_back(&list[i]);
      ev::SyscallStats s = st;
      changed |= decide_values(s, info, covering);
      ev::merge_stats(decided, s);
    }
    if (!changed) continue;
    a.decided = std::move(decided);
    args_ignored |= !b.opts.arg_filters;
  }
  if (args_ignored) r.warnings.push_back("--no-arg-filters: the argument values of the review decisions are not applied");
}

}  // namespace syscribe::gen
