// The review pass: decisions applied to the evidence and the policy, and the high-risk gate.
#include "generator/review.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::gen {

namespace {

// A syscall info.tsv gives a stub (clone3): denying it keeps the stub and its fallback, and
// only an observed call can be accepted. nullptr for any other syscall.
const sys::SyscallInfo* stub_of(const std::string& name) {
  const sys::SyscallInfo* s = sys::find(name);
  return s && s->stub_errno != 0 ? s : nullptr;
}

// The stub whose fallback `name` is (clone: clone3), or nullptr.
const sys::SyscallInfo* stub_falling_back_to(const std::string& name) {
  for (const sys::SyscallInfo& s : sys::all_syscalls())
    if (s.stub_errno != 0 && s.fallback == name) return &s;
  return nullptr;
}

bool matches(const Decision& d, const Use& u) {
  return (d.process.empty() || process_matches(d.process, d.process_real, u.exe, u.comm)) && (d.phase.empty() || d.phase == u.phase);
}

std::vector<Use> uses_of(const PolicyEntry& e) {
  std::vector<Use> out;
  for (const auto& p : e.processes)
    for (const auto& ph : p.phases) out.push_back({p.exe, p.comm, ph});
  std::sort(out.begin(), out.end());
  return out;
}

std::string scope_text(const Decision& d) {
  std::vector<std::string> parts;
  if (!d.process.empty()) parts.push_back("by " + d.process);
  if (!d.phase.empty()) parts.push_back("in phase " + d.phase);
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Calls `f(process, stats)` for each evidence aggregate of `syscall` made in one of `uses`
// (sorted), on any arch.
template <typename F>
void for_uses(const ev::Evidence& ev, const std::string& syscall, const std::vector<Use>& uses, F f) {
  for (const auto& [key, proc] : ev.processes)
    for (const auto& [phase, arches] : proc.phases) {
      if (!std::binary_search(uses.begin(), uses.end(), Use{proc.exe, proc.comm, phase})) continue;
      for (const auto& [arch, calls] : arches) {
        auto it = calls.find(syscall);
        if (it != calls.end()) f(proc, it->second);
      }
    }
}

// The bits of an argument a filter compares (as filters_from in policy.cpp builds them).
uint64_t filter_mask(const sys::ArgInfo& a) {
  return a.use == sys::ArgUse::mask ? a.mask : (a.is32 ? 0xffffffffull : ~0ull);
}

// Fills the count, argument values and call stacks of `u` from the evidence of its uses only,
// so what a decision already covers is not shown as pending.
void pending_evidence(const ev::Evidence& ev, Unreviewed& u) {
  const sys::SyscallInfo* info = sys::find(u.syscall);
  std::map<std::string, std::vector<std::string>> stacks;
  for_uses(ev, u.syscall, u.uses, [&](const ev::Process& proc, const ev::SyscallStats& st) {
    u.count += st.count;
    auto& stack = stacks[proc.exe.empty() ? proc.comm : proc.exe];
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
  });
  for (auto& [who, stack] : stacks)
    if (!stack.empty()) u.stacks.emplace_back(who, std::move(stack));
}

// Warnings for an allow whose args do not match what its uses did: values it allows that were
// never observed, and observed values the profile's filter will deny.
void check_decided_args(const ev::Evidence& ev, const Decision& d, const PolicyEntry& observed,
                        const PolicyEntry* decided, std::vector<std::string>& warnings) {
  const sys::SyscallInfo* info = sys::find(d.syscall);
  std::vector<Use> covered;
  for (const auto& u : uses_of(observed))
    if (matches(d, u)) covered.push_back(u);
  for (const auto& a : d.args) {
    const sys::ArgInfo& ai = info->args[a.index];
    uint64_t mask = filter_mask(ai);
    std::set<uint64_t> seen;
    for_uses(ev, d.syscall, covered, [&](const ev::Process&, const ev::SyscallStats& st) {
      auto it = st.args.find(a.name);
      if (it == st.args.end()) return;
      for (const auto& [text, n] : it->second) seen.insert(sys::parse_value("", text).value() & mask);
    });
    if (seen.empty()) continue;  // nothing recorded to compare with (policy warns about that)
    for (size_t i = 0; i < a.values.size(); ++i)
      if (!seen.count(a.values[i] & mask))
        warnings.push_back(fmt::format("decision for {} ({}) allows {} {}, never observed", d.syscall, d.at.str(),
                                       a.name, a.texts[i]));
    const ArgFilter* f = nullptr;
    if (decided)
      for (const auto& x : decided->filters)
        if (x.arg == a.name) f = &x;
    if (!f) continue;  // no filter on it (--no-arg-filters, the runtime tail): nothing is denied
    for (uint64_t v : seen)
      if (!std::binary_search(f->values.begin(), f->values.end(), v))
        warnings.push_back(fmt::format("decision for {} ({}): observed {} {} will be denied (not in the decision's "
                                       "args)",
                                       d.syscall, d.at.str(), a.name, sys::decode_value(ai.xlat, ai.kind, v)));
  }
}

// The tuples of a call whose argument `arg` a decision rewrote: each observed tuple with
// that argument replaced by every decided value (and kept as observed where a covering
// decision leaves the argument alone).
void rewrite_tuples(ev::SyscallStats& st, const std::string& syscall, const std::string& arg,
                    const std::vector<const Decision*>& covering) {
  const sys::SyscallInfo* info = sys::find(syscall);
  if (!info || st.tuples.empty()) return;
  std::vector<size_t> idx = ev::tuple_args(*info);
  auto pos = std::find_if(idx.begin(), idx.end(), [&](size_t i) { return info->args[i].name == arg; });
  if (pos == idx.end()) return;
  size_t k = static_cast<size_t>(pos - idx.begin());
  std::map<std::string, uint64_t> out;
  for (const auto& [key, n] : st.tuples) {
    auto t = ev::parse_tuple(*info, key);
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
      out[ev::tuple_key(*info, u)] += n;
    }
  }
  st.tuples = std::move(out);
}

}  // namespace

bool is_high_risk(sys::Risk r) { return r == sys::Risk::high || r == sys::Risk::critical; }

std::string stack_text(const std::vector<std::string>& frames, size_t max_frames) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < frames.size() && i < max_frames; ++i) {
    // "function (/usr/lib/x86_64-linux-gnu/libc.so.6)" -> "function (libc.so.6)"
    std::string f = frames[i];
    auto open = f.rfind(" (/");
    if (open != std::string::npos && f.back() == ')') {
      auto slash = f.rfind('/');
      f = f.substr(0, open + 2) + f.substr(slash + 1);
    }
    shown.push_back(std::move(f));
  }
  if (frames.size() > max_frames) shown.push_back("…");
  return fmt::format("{}", fmt::join(shown, " ← "));
}

std::string uses_text(const std::vector<Use>& uses) {
  std::map<std::string, std::set<std::string>> by_exe;
  std::vector<std::string> order;
  for (const auto& u : uses) {
    std::string who = u.exe.empty() ? u.comm : u.exe;
    if (!by_exe.count(who)) order.push_back(who);
    by_exe[who].insert(u.phase);
  }
  std::vector<std::string> parts;
  for (const auto& who : order) parts.push_back(fmt::format("{} ({})", who, fmt::join(by_exe[who], ", ")));
  return fmt::format("{}", fmt::join(parts, ", "));
}

const Verdict* Reviewed::verdict(const std::string& syscall) const {
  for (const auto& v : verdicts)
    if (v.syscall == syscall) return &v;
  return nullptr;
}

Reviewed review_policy(const ev::Evidence& ev, const PolicyOptions& opts, Decisions decisions) {
  Reviewed r;
  r.decisions = std::move(decisions);
  r.options = opts;
  r.observed = build_policy(ev, opts);
  const auto& list = r.decisions.list;

  // Which decisions apply: those whose syscall was observed by their process, in their phase.
  // A decision without scope also applies to an entry the policy adds for other reasons (the
  // runtime tail, a translation), except a stub (clone3), which the policy only allows when observed.
  std::map<std::string, std::vector<size_t>> applied;
  for (size_t i = 0; i < list.size(); ++i) {
    const Decision& d = list[i];
    const PolicyEntry* e = r.observed.find(d.syscall);
    bool observed = e && e->has(Origin::observed);
    if (observed) {
      auto uses = uses_of(*e);
      if (std::any_of(uses.begin(), uses.end(), [&](const Use& u) { return matches(d, u); })) {
        applied[d.syscall].push_back(i);
      } else {
        r.stale.push_back({i, fmt::format("{} is observed, but not {} (observed: {})", d.syscall, scope_text(d),
                                          uses_text(uses))});
      }
    } else if (e && d.process.empty() && d.phase.empty() && !stub_of(d.syscall)) {
      applied[d.syscall].push_back(i);
    } else {
      const sys::SyscallInfo* stub = stub_of(d.syscall);
      r.stale.push_back({i, fmt::format("{} is not observed{}", d.syscall,
                                        stub ? ": it stays " + sys::errno_name(stub->stub_errno) : "")});
    }
  }

  // Contradictions and denials the profile cannot honour.
  for (const auto& [name, idx] : applied) {
    std::vector<std::string> allows, denies;
    for (size_t i : idx) (list[i].allow ? allows : denies).push_back(list[i].at.str());
    if (!allows.empty() && !denies.empty())
      throw Error(fmt::format("{}: allowed at {} and denied at {}, and both apply: seccomp cannot tell processes or "
                              "phases apart, so one decision must go",
                              name, fmt::join(allows, ", "), fmt::join(denies, ", ")));
    const PolicyEntry* e = r.observed.find(name);
    if (!denies.empty() && e && e->has(Origin::essential))
      throw Error(fmt::format("{}: {} denies {}, which no process can live without", list[idx.front()].at.str(),
                              name, name));
  }
  auto denied = [&](const std::string& name) {
    auto it = applied.find(name);
    return it != applied.end() && !list[it->second.front()].allow;
  };

  PolicyOptions decided_opts = opts;
  for (const auto& [name, idx] : applied)
    if (stub_of(name) && list[idx.front()].allow) decided_opts.accepted_stubs.insert(name);
  r.options = decided_opts;

  // The evidence as decided: denied syscalls left out (so what exists only because of them
  // goes too), decided argument values in place of the observed ones for the uses covered.
  ev::Evidence decided = ev;
  bool args_ignored = false;
  for (auto& [key, proc] : decided.processes) {
    for (auto& [phase, arches] : proc.phases) {
      Use use{proc.exe, proc.comm, phase};
      for (auto& [arch, calls] : arches) {
        for (auto it = calls.begin(); it != calls.end();) {
          const std::string& name = it->first;
          if (denied(name) && !stub_of(name)) {
            it = calls.erase(it);
            continue;
          }
          auto ap = applied.find(name);
          if (ap != applied.end()) {
            std::vector<const Decision*> covering;
            for (size_t i : ap->second)
              if (matches(list[i], use)) covering.push_back(&list[i]);
            std::set<std::string> decided_args;
            for (const Decision* d : covering)
              for (const auto& a : d->args) decided_args.insert(a.name);
            if (!decided_args.empty() && !opts.arg_filters) args_ignored = true;
            ev::SyscallStats& st = it->second;
            for (const auto& arg : decided_args) {
              std::map<std::string, uint64_t> values;
              for (const Decision* d : covering) {
                auto da = std::find_if(d->args.begin(), d->args.end(), [&](const auto& a) { return a.name == arg; });
                if (da != d->args.end()) {
                  for (uint64_t v : da->values) values[hex(v)] += st.count;
                } else if (st.args.count(arg)) {  // this allow keeps the observed values
                  for (const auto& [text, n] : st.args[arg]) values[text] += n;
                }
              }
              st.args[arg] = std::move(values);
              rewrite_tuples(st, name, arg, covering);
            }
          }
          ++it;
        }
      }
    }
  }
  if (args_ignored) r.warnings.push_back("--no-arg-filters: the argument values of the review decisions are not applied");

  r.policy = build_policy(decided, decided_opts);

  // What the runtime tail or a translation still adds after a denial comes out here.
  for (const auto& [name, idx] : applied) {
    if (!denied(name) || stub_of(name)) continue;
    auto it = std::find_if(r.policy.entries.begin(), r.policy.entries.end(),
                           [&name = name](const PolicyEntry& e) { return e.syscall == name; });
    if (it == r.policy.entries.end()) continue;
    if (it->has(Origin::runtime_tail))
      r.warnings.push_back(fmt::format("{}: denied by {}, but the {} runtime makes it before the workload starts: the "
                                       "container may fail to start",
                                       name, list[idx.front()].at.str(), opts.runtime));
    if (const sys::SyscallInfo* stub = stub_falling_back_to(name); stub && it->has(Origin::fallback))
      r.warnings.push_back(fmt::format("{}: denied by {}, but glibc falls back to it when {} gets {}: new "
                                       "threads and processes will fail",
                                       name, list[idx.front()].at.str(), stub->name,
                                       sys::errno_name(stub->stub_errno)));
    r.policy.entries.erase(it);
  }

  // Verdicts, comments and notes.
  for (const auto& [name, idx] : applied) {
    Verdict v;
    v.syscall = name;
    v.applied = idx;
    v.denied = denied(name);
    const PolicyEntry* before = r.observed.find(name);
    const PolicyEntry* after = r.policy.find(name);
    v.removed = before && before->action == Action::allow && (!after || after->action != Action::allow);
    const Decision& first = list[idx.front()];
    std::vector<std::string> notes;
    if (before && before->has(Origin::observed)) {
      auto uses = uses_of(*before);
      std::vector<Use> outside;
      for (const auto& u : uses)
        if (std::none_of(idx.begin(), idx.end(), [&](size_t i) { return matches(list[i], u); })) outside.push_back(u);
      if (!outside.empty())
        notes.push_back(fmt::format("{} {}; seccomp cannot tell processes or phases apart, so this also {} {}",
                                    v.denied ? "denied" : "allowed", scope_text(first),
                                    v.denied ? "takes it from" : "concerns", uses_text(outside)));
    }
    if (const sys::SyscallInfo* stub = stub_of(name); v.denied && stub)
      notes.push_back(fmt::format("{} keeps its {} rule, and {} stays allowed as glibc's fallback", name,
                                  sys::errno_name(stub->stub_errno), stub->fallback));
    if (v.denied)
      r.policy.notes.push_back(fmt::format("{}: denied by review ({}): {}", name, first.at.str(), first.reason));
    v.note = fmt::format("{}", fmt::join(notes, "; "));
    if (!v.note.empty()) r.warnings.push_back(fmt::format("{}: {}", name, v.note));
    if (!v.denied && after && !after->sources.empty()) {
      std::vector<std::string> why;
      for (size_t i : idx) {
        const Decision& d = list[i];
        std::string who = d.by.empty() ? "" : " by " + d.by;
        if (!d.date.empty()) who += " on " + d.date;
        why.push_back(fmt::format("review: allowed{}: {}", who, d.reason));
      }
      auto& e = *std::find_if(r.policy.entries.begin(), r.policy.entries.end(),
                              [&name = name](const PolicyEntry& x) { return x.syscall == name; });
      e.review_note = fmt::format("{}", fmt::join(why, "; "));
    }
    r.verdicts.push_back(std::move(v));
  }

  // Decided argument values that do not match the evidence.
  for (const auto& [name, idx] : applied) {
    const PolicyEntry* before = r.observed.find(name);
    if (!opts.arg_filters || denied(name) || !before || !before->has(Origin::observed)) continue;
    for (size_t i : idx)
      if (list[i].allow && !list[i].args.empty())
        check_decided_args(ev, list[i], *before, r.policy.find(name), r.warnings);
  }

  // The gate: every observed use of a high-risk syscall the profile allows needs an allow.
  for (const auto& e : r.policy.entries) {
    if (e.action != Action::allow || !is_high_risk(e.risk) || !e.has(Origin::observed)) continue;
    Unreviewed u{e.syscall, e.risk, e.reason, {}, 0, {}, {}};
    auto ap = applied.find(e.syscall);
    for (const auto& use : uses_of(e))
      if (ap == applied.end() || std::none_of(ap->second.begin(), ap->second.end(), [&](size_t i) {
            return list[i].allow && matches(list[i], use);
          }))
        u.uses.push_back(use);
    if (u.uses.empty()) continue;
    pending_evidence(ev, u);
    r.unreviewed.push_back(std::move(u));
  }
  for (const auto& s : r.stale)
    r.warnings.push_back(fmt::format("stale decision {}: {}", list[s.decision].label(), s.why));
  for (const auto& w : r.warnings) r.policy.warnings.push_back(w);
  return r;
}

std::string unreviewed_message(const Reviewed& r) {
  if (r.unreviewed.empty()) return "";
  std::string hint = r.decisions.file.empty()
                         ? "give --review FILE; `syscribe review init` writes a skeleton"
                         : fmt::format("add them to {}; `syscribe review init --review {} -o NEW` lists them", r.decisions.file,
                                       r.decisions.file);
  std::string out = fmt::format("{} high-risk syscall{} without a review decision ({}):", r.unreviewed.size(),
                                r.unreviewed.size() == 1 ? "" : "s", hint);
  for (const auto& u : r.unreviewed) {
    out += fmt::format("\n  {} ({}: {}): {}", u.syscall, sys::risk_name(u.risk), u.reason, uses_text(u.uses));
    for (const auto& [who, stack] : u.stacks) out += fmt::format("\n    called in {} from {}", who, stack_text(stack));
  }
  return out;
}

std::string decisions_skeleton(const Reviewed& r, const std::vector<std::string>& inputs, const std::string& date) {
  std::string out = fmt::format(
      "# Review decisions for `syscribe generate --review FILE`, written by `syscribe review init`\n"
      "# from {} on {}.\n"
      "# Each item below is a high-risk syscall the workload made. For each: set decision to allow or\n"
      "# deny and give the reason (both are required: generate refuses the file until they are filled\n"
      "# in). An allow may name only some argument values (args), and process/phase narrow where the\n"
      "# decision applies (seccomp itself cannot tell processes apart). See docs/review.md.\n"
      "decisions:\n",
      fmt::join(inputs, ", "), date);
  if (r.unreviewed.empty()) out += "  []  # nothing needs a decision\n";
  for (const auto& u : r.unreviewed) {
    out += fmt::format("  # {} ({}): {}\n", u.syscall, sys::risk_name(u.risk), u.reason);
    out += fmt::format("  #   {} by {}\n", calls_text(u.count), uses_text(u.uses));
    for (const auto& [who, stack] : u.stacks) out += fmt::format("  #   called in {} from {}\n", who, stack_text(stack));
    std::vector<std::string> filterable;
    const sys::SyscallInfo* info = sys::find(u.syscall);
    for (const auto& [arg, values] : u.arg_values) {
      std::vector<std::string> vs;
      for (const auto& [v, n] : values) vs.push_back(fmt::format("{} ({}x)", v, n));
      out += fmt::format("  #   {} seen: {}\n", arg, fmt::join(vs, ", "));
      const sys::ArgInfo* ai = info->arg(arg);
      if (ai && (ai->use == sys::ArgUse::eq || ai->use == sys::ArgUse::mask)) {
        std::vector<std::string> names;
        for (const auto& [v, n] : values) names.push_back(v);
        filterable.push_back(fmt::format("{}: [{}]", arg, fmt::join(names, ", ")));
      }
    }
    out += fmt::format("  - syscall: {}\n    decision: \"\"   # allow or deny\n    reason: \"\"     # required\n",
                       u.syscall);
    if (!filterable.empty())
      out += fmt::format("    # args: {{{}}}   # allow only these values\n", fmt::join(filterable, ", "));
    std::set<std::string> exes;
    for (const auto& use : u.uses) exes.insert(use.exe);
    if (exes.size() > 1)
      out += fmt::format("    # process: {}   # optional: only these uses\n", *exes.begin());
    out += fmt::format("    by: \"\"\n    date: {}\n", yaml_quote(date));
  }
  std::vector<std::string> labelled;
  for (const auto& e : r.observed.entries)
    if (!e.has(Origin::observed) && e.action == Action::allow && is_high_risk(e.risk))
      labelled.push_back(fmt::format("#   {} ({}): {}", e.syscall, sys::risk_name(e.risk), describe_sources(e)));
  if (!labelled.empty())
    out += fmt::format("# High-risk syscalls the profile adds without the workload making them (runtime tail,\n"
                       "# translation): they need no decision, and the report labels them.\n{}\n",
                       fmt::join(labelled, "\n"));
  return out;
}

}  // namespace syscribe::gen
