// The review passes, last of all. review: the decisions about syscalls the workload did not
// make, the refusals (contradictions, a denied essential), denied entries out of the
// policy, each decision's verdict, and decided values checked against the evidence. review
// gate: every observed high-risk use the profile allows needs an allow decision.
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

// The stub whose fallback `name` is (clone: clone3), or nullptr.
const sys::SyscallInfo* stub_falling_back_to(const std::string& name) {
  for (const sys::SyscallInfo& s : sys::all_syscalls())
    if (s.stub_errno != 0 && s.fallback == name) return &s;
  return nullptr;
}

// Decisions about syscalls the workload did not make: one without scope applies to an entry
// the policy added for other reasons, except a stub's, which stays its errno; the others are
// stale.
void apply_unobserved(PolicyBuild& b, ReviewState& rs) {
  const auto& list = rs.out->decisions.list;
  for (size_t i = 0; i < list.size(); ++i) {
    const Decision& d = list[i];
    if (b.agg.count(d.syscall)) continue;  // the decisions pass saw to it
    const sys::SyscallInfo* stub = stub_of(d.syscall);
    if (b.entries.count(d.syscall) && d.process.empty() && d.phase.empty() && !stub) {
      rs.applied[d.syscall].push_back(i);
      if (!list[rs.applied[d.syscall].front()].allow) rs.denied.insert(d.syscall);
    } else {
      rs.out->stale.push_back({i, fmt::format("{} is not observed{}", d.syscall,
                                              stub ? ": it stays " + sys::errno_name(stub->stub_errno) : "")});
    }
  }
}

// Throws for decisions the profile cannot honour.
void refuse_contradictions(const PolicyBuild& b, const ReviewState& rs) {
  const auto& list = rs.out->decisions.list;
  for (const auto& [name, idx] : rs.applied) {
    std::vector<std::string> allows, denies;
    for (size_t i : idx) (list[i].allow ? allows : denies).push_back(list[i].at.str());
    if (!allows.empty() && !denies.empty())
      throw Error(fmt::format("{}: allowed at {} and denied at {}, and both apply: seccomp cannot tell processes or "
                              "phases apart, so one decision must go",
                              name, fmt::join(allows, ", "), fmt::join(denies, ", ")));
    auto e = b.entries.find(name);
    if (!denies.empty() && e != b.entries.end() && e->second.has(Origin::essential))
      throw Error(fmt::format("{}: {} denies {}, which no process can live without", list[idx.front()].at.str(),
                              name, name));
  }
}

// Takes denied entries out of the policy into `removed`, warning where the container or
// glibc needs what was denied.
void remove_denied(PolicyBuild& b, ReviewState& rs) {
  Reviewed& r = *rs.out;
  for (const auto& name : rs.denied) {
    auto it = b.entries.find(name);
    if (it == b.entries.end()) continue;
    const PolicyEntry& e = it->second;
    std::string at = r.decisions.list[rs.applied.at(name).front()].at.str();
    if (e.has(Origin::runtime_tail))
      r.warnings.push_back(fmt::format("{}: denied by {}, but the {} runtime makes it before the workload starts: the "
                                       "container may fail to start",
                                       name, at, b.opts.runtime));
    if (const sys::SyscallInfo* stub = stub_falling_back_to(name); stub && e.has(Origin::fallback))
      r.warnings.push_back(fmt::format("{}: denied by {}, but glibc falls back to it when {} gets {}: new "
                                       "threads and processes will fail",
                                       name, at, stub->name, sys::errno_name(stub->stub_errno)));
    r.removed.push_back(std::move(it->second));
    b.entries.erase(it);
  }
}

const PolicyEntry* find_entry(const PolicyBuild& b, const Reviewed& r, const std::string& name) {
  if (auto it = b.entries.find(name); it != b.entries.end()) return &it->second;
  for (const auto& e : r.removed)
    if (e.syscall == name) return &e;
  return nullptr;
}

// What review did to each syscall a decision applies to, for the report and the profile's
// comments.
void write_verdicts(PolicyBuild& b, ReviewState& rs) {
  Reviewed& r = *rs.out;
  const auto& list = r.decisions.list;
  for (const auto& [name, idx] : rs.applied) {
    Verdict v;
    v.syscall = name;
    v.applied = idx;
    v.denied = !list[idx.front()].allow;
    v.removed = std::any_of(r.removed.begin(), r.removed.end(),
                            [&name = name](const PolicyEntry& e) { return e.syscall == name && e.action == Action::allow; });
    const PolicyEntry* e = find_entry(b, r, name);
    const Decision& first = list[idx.front()];
    std::vector<std::string> notes;
    if (e && e->has(Origin::observed)) {
      std::vector<Use> outside;
      for (const auto& u : uses_of(*e))
        if (std::none_of(idx.begin(), idx.end(), [&](size_t i) { return decision_covers(list[i], u); }))
          outside.push_back(u);
      if (!outside.empty())
        notes.push_back(fmt::format("{} {}; seccomp cannot tell processes or phases apart, so this also {} {}",
                                    v.denied ? "denied" : "allowed", scope_text(first),
                                    v.denied ? "takes it from" : "concerns", uses_text(outside)));
    }
    if (const sys::SyscallInfo* stub = stub_of(name); v.denied && stub)
      notes.push_back(fmt::format("{} keeps its {} rule, and {} stays allowed as glibc's fallback", name,
                                  sys::errno_name(stub->stub_errno), stub->fallback));
    if (v.denied)
      b.pol.notes.push_back(fmt::format("{}: denied by review ({}): {}", name, first.at.str(), first.reason));
    v.note = fmt::format("{}", fmt::join(notes, "; "));
    if (!v.note.empty()) r.warnings.push_back(fmt::format("{}: {}", name, v.note));
    auto kept = b.entries.find(name);
    if (!v.denied && kept != b.entries.end() && !kept->second.sources.empty()) {
      std::vector<std::string> why;
      for (size_t i : idx) {
        const Decision& d = list[i];
        std::string who = d.by.empty() ? "" : " by " + d.by;
        if (!d.date.empty()) who += " on " + d.date;
        why.push_back(fmt::format("review: allowed{}: {}", who, d.reason));
      }
      kept->second.review_note = fmt::format("{}", fmt::join(why, "; "));
    }
    r.verdicts.push_back(std::move(v));
  }
}

// Warnings for an allow whose args do not match what its uses did: values it allows that were
// never observed, and observed values the profile's filter will deny.
void check_decided_args(const Decision& d, const Aggregate& a, const PolicyEntry& e, std::vector<std::string>& warnings) {
  const sys::SyscallInfo* info = sys::find(d.syscall);
  for (const auto& da : d.args) {
    const sys::ArgInfo& ai = info->args[da.index];
    uint64_t mask = filter_mask(ai);
    std::set<uint64_t> seen;
    for (const auto& [use, st] : a.uses) {
      if (!decision_covers(d, use)) continue;
      auto it = st.args.find(da.name);
      if (it == st.args.end()) continue;
      for (const auto& [text, n] : it->second) seen.insert(sys::parse_value("", text).value() & mask);
    }
    if (seen.empty()) continue;  // nothing recorded to compare with (the observed pass warns about that)
    for (size_t i = 0; i < da.values.size(); ++i)
      if (!seen.count(da.values[i] & mask))
        warnings.push_back(fmt::format("decision for {} ({}) allows {} {}, never observed", d.syscall, d.at.str(),
                                       da.name, da.texts[i]));
    auto f = std::find_if(e.filters.begin(), e.filters.end(), [&](const ArgFilter& x) { return x.arg == da.name; });
    if (f == e.filters.end()) continue;  // no filter on it (the runtime tail widened it): nothing is denied
    for (uint64_t v : seen)
      if (!std::binary_search(f->values.begin(), f->values.end(), v))
        warnings.push_back(fmt::format("decision for {} ({}): observed {} {} will be denied (not in the decision's "
                                       "args)",
                                       d.syscall, d.at.str(), da.name, sys::decode_value(ai.xlat, ai.kind, v)));
  }
}

// Fills the count, argument values and call stacks of `u` from the evidence of its uses only,
// so what a decision already covers is not shown as pending.
void pending_evidence(const Aggregate& a, Unreviewed& u) {
  const sys::SyscallInfo* info = sys::find(u.syscall);
  std::map<std::string, std::vector<std::string>> stacks;
  for (const auto& [use, st] : a.uses) {
    if (!std::binary_search(u.uses.begin(), u.uses.end(), use)) continue;
    u.count += st.count;
    auto& stack = stacks[use.exe.empty() ? use.comm : use.exe];
    if (stack.empty()) stack = st.stack;
    for (const auto& [arg, values] : st.args) {
      const sys::ArgInfo* ai = info ? info->arg(arg) : nullptr;
      for (const auto& [text, n] : values) {
        // Numbers (the evidence reader refuses others) are shown by name.
        std::string shown = ai && !sys::is_string_kind(ai->kind)
                                ? sys::decode_value(ai->xlat, ai->kind, sys::parse_value("", text).value())
                                : text;
        u.arg_values[arg][shown] += n;
      }
    }
  }
  for (auto& [who, stack] : stacks)
    if (!stack.empty()) u.stacks.emplace_back(who, std::move(stack));
}

}  // namespace

void pass_review(PolicyBuild& b) {
  if (!b.review) return;
  ReviewState& rs = *b.review;
  apply_unobserved(b, rs);
  refuse_contradictions(b, rs);
  remove_denied(b, rs);
  write_verdicts(b, rs);
  const auto& list = rs.out->decisions.list;
  if (!b.opts.arg_filters) return;
  for (const auto& [name, idx] : rs.applied) {
    auto a = b.agg.find(name);
    auto e = b.entries.find(name);
    if (rs.denied.count(name) || a == b.agg.end() || e == b.entries.end()) continue;
    for (size_t i : idx)
      if (list[i].allow && !list[i].args.empty()) check_decided_args(list[i], a->second, e->second, rs.out->warnings);
  }
}

void pass_review_gate(PolicyBuild& b) {
  if (!b.review) return;
  ReviewState& rs = *b.review;
  Reviewed& r = *rs.out;
  const auto& list = r.decisions.list;
  for (const auto& [name, e] : b.entries) {
    if (e.action != Action::allow || !is_high_risk(e.risk) || !e.has(Origin::observed)) continue;
    Unreviewed u{name, e.risk, e.reason, {}, 0, {}, {}};
    auto ap = rs.applied.find(name);
    for (const auto& use : uses_of(e))
      if (ap == rs.applied.end() || std::none_of(ap->second.begin(), ap->second.end(), [&](size_t i) {
            return list[i].allow && decision_covers(list[i], use);
          }))
        u.uses.push_back(use);
    if (u.uses.empty()) continue;
    if (auto a = b.agg.find(name); a != b.agg.end()) pending_evidence(a->second, u);
    r.unreviewed.push_back(std::move(u));
  }
  std::sort(r.stale.begin(), r.stale.end(), [](const Stale& x, const Stale& y) { return x.decision < y.decision; });
  for (const auto& s : r.stale)
    r.warnings.push_back(fmt::format("stale decision {}: {}", list[s.decision].label(), s.why));
  for (const auto& w : r.warnings) b.pol.warnings.push_back(w);
}

}  // namespace syscribe::gen
