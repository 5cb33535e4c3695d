#include "generator/diff.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace syscribe::gen {

namespace {

// A rule in words, independent of how names were grouped: "SCMP_ACT_ALLOW if arg0&0x7e020000==0x0".
std::string rule_text(const Rule& r) {
  std::string out = describe_action(action_value(r.action, r.errno_ret));
  std::vector<std::string> conds;
  for (const auto& c : r.args) {
    if (c.op == "SCMP_CMP_MASKED_EQ")
      conds.push_back(fmt::format("arg{}&{:#x}=={:#x}", c.index, c.value, c.value_two));
    else
      conds.push_back(fmt::format("arg{} {} {:#x}", c.index, c.op.substr(9), c.value));
  }
  if (!conds.empty()) out += fmt::format(" if {}", fmt::join(conds, " && "));
  if (!r.includes.arches.empty()) out += fmt::format(" on {}", fmt::join(r.includes.arches, "/"));
  if (!r.includes.caps.empty()) out += fmt::format(" with {}", fmt::join(r.includes.caps, "+"));
  return out;
}

std::map<std::string, std::set<std::string>> by_name(const Profile& p) {
  std::map<std::string, std::set<std::string>> m;
  for (const auto& r : p.syscalls)
    for (const auto& n : r.names) m[n].insert(rule_text(r));
  return m;
}

template <typename T>
void diff_sets(const std::set<T>& a, const std::set<T>& b, std::vector<std::string>& plus, std::vector<std::string>& minus) {
  for (const auto& x : b)
    if (!a.count(x)) plus.push_back(fmt::format("{}", x));
  for (const auto& x : a)
    if (!b.count(x)) minus.push_back(fmt::format("{}", x));
}

struct CallSummary {
  std::set<std::string> arches, processes, phases;
  std::map<std::string, std::set<std::string>> args;
};

std::map<std::string, CallSummary> summarize(const ev::Evidence& e) {
  std::map<std::string, CallSummary> m;
  for (const auto& [key, p] : e.processes)
    for (const auto& [phase, arches] : p.phases)
      for (const auto& [arch, calls] : arches)
        for (const auto& [name, st] : calls) {
          CallSummary& s = m[name];
          s.arches.insert(arch);
          s.processes.insert(p.exe);
          s.phases.insert(phase);
          const sys::SyscallInfo* info = sys::find(name);
          for (const auto& [arg, values] : st.args)
            for (const auto& [v, _] : values) {
              std::string shown = v;
              const sys::ArgInfo* ai = info ? info->arg(arg) : nullptr;
              if (ai && !sys::is_string_kind(ai->kind))
                if (auto n = sys::parse_value("", v)) shown = sys::decode_value(ai->xlat, ai->kind, *n);
              s.args[arg].insert(shown);
            }
        }
  return m;
}

// A '~' item; `shown` wraps each value in the line ("[rule]"), not in added/removed.
void change_line(std::vector<DiffItem>& out, const std::string& subject, const std::string& aspect,
                 const std::vector<std::string>& plus, const std::vector<std::string>& minus, bool bracket = false) {
  if (plus.empty() && minus.empty()) return;
  std::vector<std::string> parts;
  auto shown = [&](const std::string& x) { return bracket ? "[" + x + "]" : x; };
  for (const auto& x : plus) parts.push_back("+" + shown(x));
  for (const auto& x : minus) parts.push_back("-" + shown(x));
  std::string what = aspect.empty() || aspect == "rules" ? subject : subject + " " + aspect;
  out.push_back({'~', subject, aspect, plus, minus, fmt::format("~ {}: {}", what, fmt::join(parts, " "))});
}

std::vector<std::string> lines_of(const std::vector<DiffItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.line);
  return out;
}

}  // namespace

namespace {

// The arches a profile lists, by our names; a name no arch has ("SCMP_ARCH_FOO") is kept
// as written, so two profiles that differ only in it still differ.
std::set<std::string> arch_names_of(const Profile& p) {
  std::set<std::string> out;
  for (auto x : listed_arches(p)) out.insert(std::string(sys::arch_name(x)));
  std::vector<std::string> raw = p.architectures;
  for (const auto& e : p.arch_map) {
    raw.push_back(e.architecture);
    raw.insert(raw.end(), e.sub_architectures.begin(), e.sub_architectures.end());
  }
  for (const auto& name : raw)
    if (!sys::parse_arch(name)) out.insert(name);
  return out;
}

}  // namespace

std::vector<DiffItem> diff_profile_items(const Profile& a, const Profile& b) {
  std::vector<DiffItem> out;
  auto da = describe_action(action_value(a.default_action, a.default_errno_ret));
  auto db = describe_action(action_value(b.default_action, b.default_errno_ret));
  if (da != db) out.push_back({'~', "defaultAction", "", {db}, {da}, fmt::format("~ defaultAction: {} -> {}", da, db)});
  std::set<std::string> aa = arch_names_of(a), ab = arch_names_of(b);
  std::vector<std::string> plus, minus;
  diff_sets(aa, ab, plus, minus);
  change_line(out, "architectures", "", plus, minus);
  auto ma = by_name(a), mb = by_name(b);
  for (const auto& [name, rules] : mb)
    if (!ma.count(name))
      out.push_back({'+', name, "rules", {rules.begin(), rules.end()}, {}, fmt::format("+ {}: {}", name, fmt::join(rules, "; "))});
  for (const auto& [name, rules] : ma)
    if (!mb.count(name))
      out.push_back({'-', name, "rules", {}, {rules.begin(), rules.end()}, fmt::format("- {}: {}", name, fmt::join(rules, "; "))});
  for (const auto& [name, rules] : ma) {
    auto it = mb.find(name);
    if (it == mb.end()) continue;
    plus.clear();
    minus.clear();
    diff_sets(rules, it->second, plus, minus);
    change_line(out, name, "rules", plus, minus, true);
  }
  return out;
}

std::vector<DiffItem> diff_evidence_items(const ev::Evidence& a, const ev::Evidence& b) {
  std::vector<DiffItem> out;
  auto ma = summarize(a), mb = summarize(b);
  for (const auto& [name, s] : mb)
    if (!ma.count(name))
      out.push_back({'+', name, "", {}, {},
                     fmt::format("+ {}: by {} ({})", name, fmt::join(s.processes, ", "), fmt::join(s.arches, ", "))});
  for (const auto& [name, s] : ma)
    if (!mb.count(name))
      out.push_back({'-', name, "", {}, {},
                     fmt::format("- {}: by {} ({})", name, fmt::join(s.processes, ", "), fmt::join(s.arches, ", "))});
  for (const auto& [name, sa] : ma) {
    auto it = mb.find(name);
    if (it == mb.end()) continue;
    const CallSummary& sb = it->second;
    std::vector<std::string> plus, minus;
    diff_sets(sa.arches, sb.arches, plus, minus);
    change_line(out, name, "arches", plus, minus);
    plus.clear(), minus.clear();
    diff_sets(sa.processes, sb.processes, plus, minus);
    change_line(out, name, "processes", plus, minus);
    std::set<std::string> args;
    for (const auto& [k, _] : sa.args) args.insert(k);
    for (const auto& [k, _] : sb.args) args.insert(k);
    for (const auto& arg : args) {
      plus.clear(), minus.clear();
      static const std::set<std::string> none;
      auto ia = sa.args.find(arg);
      auto ib = sb.args.find(arg);
      diff_sets(ia == sa.args.end() ? none : ia->second, ib == sb.args.end() ? none : ib->second, plus, minus);
      change_line(out, name, arg, plus, minus);
    }
  }
  return out;
}

std::vector<std::string> diff_profiles(const Profile& a, const Profile& b) { return lines_of(diff_profile_items(a, b)); }
std::vector<std::string> diff_evidence(const ev::Evidence& a, const ev::Evidence& b) {
  return lines_of(diff_evidence_items(a, b));
}

std::string diff_json(const std::string& a, const std::string& b, bool evidence, const std::vector<DiffItem>& items) {
  nlohmann::ordered_json j;
  j["format"] = "syscribe-diff";
  j["version"] = 1;
  j["a"] = a;
  j["b"] = b;
  j["compared"] = evidence ? "evidence" : "profiles";
  j["same"] = items.empty();
  j["changes"] = nlohmann::ordered_json::array();
  for (const auto& i : items) {
    nlohmann::ordered_json c;
    c["change"] = i.sign == '+' ? "added" : i.sign == '-' ? "removed" : "changed";
    c["subject"] = i.subject;
    c["aspect"] = i.aspect;
    c["added"] = i.added;
    c["removed"] = i.removed;
    c["line"] = i.line;
    j["changes"].push_back(std::move(c));
  }
  return j.dump(2) + "\n";
}

}  // namespace syscribe::gen
