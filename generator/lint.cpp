#include "generator/lint.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace syscribe::gen {

namespace {

std::string names_path(size_t i, size_t j) { return fmt::format("$.syscalls[{}].names[{}]", i, j); }

bool allowed_somehow(const Profile& p, std::string_view name, uint32_t def) {
  for (const auto& r : p.syscalls) {
    uint32_t v = action_value(r.action, r.errno_ret);
    if (v != def && (r.action == Action::allow || r.action == Action::log) &&
        std::find(r.names.begin(), r.names.end(), name) != r.names.end())
      return true;
  }
  return false;
}

}  // namespace

std::vector<Finding> lint_profile(const Profile& p, const LintOptions& opts) {
  std::vector<Finding> out;
  uint32_t def = action_value(p.default_action, p.default_errno_ret);
  std::vector<sys::Arch> arches = listed_arches(p);

  // Architectures.
  auto check_arch = [&](const std::string& name, const std::string& where) {
    if (!sys::is_scmp_arch_name(name)) {
      out.push_back({where, fmt::format("unknown architecture \"{}\"", name)});
      return;
    }
    // A libseccomp arch the tables do not cover (SCMP_ARCH_MIPS64) is valid: runtimes load
    // it, and nothing here can check it.
    auto a = sys::parse_arch(name);
    if (!a) return;
    if (sys::native_of(*a) != *a)
      out.push_back({where, fmt::format("compat arch {} listed: it opens that arch's whole syscall table ({}); list it "
                                        "only if the workload uses it",
                                        name, *a == sys::Arch::i386 ? "int 0x80 on x86_64" : "32-bit calls")});
  };
  for (size_t i = 0; i < p.architectures.size(); ++i)
    check_arch(p.architectures[i], fmt::format("$.architectures[{}]", i));
  for (size_t i = 0; i < p.arch_map.size(); ++i) {
    if (!sys::is_scmp_arch_name(p.arch_map[i].architecture))
      out.push_back({fmt::format("$.archMap[{}].architecture", i),
                     fmt::format("unknown architecture \"{}\"", p.arch_map[i].architecture)});
    for (size_t j = 0; j < p.arch_map[i].sub_architectures.size(); ++j)
      check_arch(p.arch_map[i].sub_architectures[j], fmt::format("$.archMap[{}].subArchitectures[{}]", i, j));
  }
  if (!p.architectures.empty() && std::any_of(arches.begin(), arches.end(), sys::big_endian) &&
      !std::all_of(arches.begin(), arches.end(), sys::big_endian))
    out.push_back({"$.architectures", "s390x is listed beside little-endian arches: libseccomp refuses to mix byte "
                                      "orders in one filter, so runc fails to load this profile on either host; "
                                      "write one profile per arch family (or use Docker's archMap)"});
  if (arches.empty()) arches.push_back(sys::host_arch());

  // Rules.
  std::map<std::string, std::vector<std::string>> unconditional;  // name -> where
  std::set<std::string> stub_rules;  // syscalls with a stub (clone3) some rule names
  std::set<std::string> widened;
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    const Rule& r = p.syscalls[i];
    std::string rp = fmt::format("$.syscalls[{}]", i);
    uint32_t v = action_value(r.action, r.errno_ret);
    if (v == def)
      out.push_back({rp + ".action", fmt::format("action {} equals the default: runc skips this rule",
                                                 describe_action(v))});
    bool allows = r.action == Action::allow || r.action == Action::log;
    // A generator's labelled widening (its comment says "widened: WHY"), once per syscall.
    if (allows && !r.names.empty()) {
      std::string why = stated_reason(p, r, r.names.front());
      auto at = why.find("widened: ");
      if (at != std::string::npos && widened.insert(r.names.front()).second)
        out.push_back({rp, fmt::format("{} is widened: {}", r.names.front(), why.substr(at + 9))});
    }
    unsigned seen = 0;
    bool repeated = false;
    for (const auto& c : r.args) {
      if (seen & (1u << c.index)) repeated = true;
      seen |= 1u << c.index;
    }
    if (repeated && __builtin_popcount(seen) > 1)
      out.push_back({rp + ".args", "an argument index repeats beside other indexes: runc then ORs every condition, "
                                   "so no condition restricts the others; split it into one rule per combination"});
    for (size_t j = 0; j < r.names.size(); ++j) {
      const std::string& n = r.names[j];
      std::string np = names_path(i, j);
      if (std::find(r.names.begin(), r.names.begin() + static_cast<long>(j), n) != r.names.begin() + static_cast<long>(j))
        out.push_back({np, fmt::format("{} is named twice in this rule", n)});
      const sys::SyscallInfo* s = sys::find(n);
      if (!s) {
        out.push_back({np, fmt::format("unknown syscall \"{}\": runc ignores it silently", n)});
        continue;
      }
      if (s->stub_errno != 0) {
        stub_rules.insert(n);
        if (allows)
          out.push_back({np, fmt::format("{} is allowed: its flags sit in memory seccomp cannot read, so "
                                         "namespace flags pass; return {} (errnoRet {}) and let glibc fall "
                                         "back to {}",
                                         n, sys::errno_name(s->stub_errno), s->stub_errno, s->fallback)});
      }
      // Absent on a listed arch: a mistake when the name applies nowhere, or when it has
      // equivalents there (a profile recorded on x86_64 used on arm64) and none is allowed.
      // Arch-specific names (arch_prctl) in a multi-arch list are normal.
      std::vector<sys::Arch> hosts = arches;  // Docker: a rule for a host arch applies to its native filter
      for (const auto& h : r.includes.arches)
        if (auto a = sys::parse_arch(h)) hosts.push_back(*a);
      if (allows && std::none_of(hosts.begin(), hosts.end(), [&](sys::Arch a) { return s->exists_on(a); }))
        out.push_back({np, fmt::format("{} exists on none of the listed arches: the rule never applies", n)});
      for (sys::Arch a : arches) {
        if (s->exists_on(a) || !allows || s->equivalents.empty()) continue;
        bool covered = std::any_of(s->equivalents.begin(), s->equivalents.end(), [&](std::string_view e) {
          const sys::SyscallInfo* q = sys::find(e);
          return q && q->exists_on(a) && allowed_somehow(p, e, def);
        });
        if (!covered)
          out.push_back({np, fmt::format("{} does not exist on {} and its equivalent ({}) is not allowed: calls there "
                                         "get the default",
                                         n, sys::arch_name(a), fmt::join(s->equivalents, ", "))});
      }
      if (allows && s->risk >= sys::Risk::high && stated_reason(p, r, n).empty() && !opts.reviewed.count(n)) {
        if (p.format == Format::oci)
          out.push_back({np,
                         fmt::format("{}-risk {} allowed; an OCI profile has no field for the reason ({}): give the "
                                     "review decisions with --review to check one",
                                     sys::risk_name(s->risk), n, s->reason),
                         true});
        else if (p.format == Format::spo)
          out.push_back({np, fmt::format("{}-risk {} allowed without an annotation {} saying why ({})",
                                         sys::risk_name(s->risk), n, reason_annotation(n), s->reason)});
        else
          out.push_back({np, fmt::format("{}-risk {} allowed without a comment saying why ({})",
                                         sys::risk_name(s->risk), n, s->reason)});
      }
      if (r.args.empty() && r.includes.empty() && r.excludes.empty()) {
        auto& prev = unconditional[n];
        if (!prev.empty()) out.push_back({np, fmt::format("duplicate: {} already has an unconditional rule at {}", n, prev.front())});
        prev.push_back(np);
      }
      for (size_t k = 0; k < r.args.size(); ++k) {
        const ArgCond& c = r.args[k];
        if (c.index < s->args.size() && s->args[c.index].is32 && c.op != "SCMP_CMP_MASKED_EQ" && c.value > 0xffffffffull)
          out.push_back({fmt::format("{}.args[{}]", rp, k),
                         fmt::format("{} is a 32-bit argument but the value needs 64 bits: the rule never matches",
                                     s->args[c.index].name)});
        else if (c.index < s->args.size() && s->args[c.index].is32 && c.op == "SCMP_CMP_EQ")
          out.push_back({fmt::format("{}.args[{}]", rp, k),
                         fmt::format("{} is a 32-bit argument compared with SCMP_CMP_EQ: its upper half may hold "
                                     "garbage; compare with SCMP_CMP_MASKED_EQ and mask 0xffffffff",
                                     s->args[c.index].name)});
      }
    }
  }
  for (const sys::SyscallInfo& s : sys::all_syscalls()) {
    uint32_t stub = static_cast<uint32_t>(s.stub_errno);
    if (stub == 0 || stub_rules.count(std::string(s.name)) || def == action_value(Action::error, stub)) continue;
    std::string e = sys::errno_name(s.stub_errno);
    out.push_back({"$.syscalls", fmt::format("no {} rule: {} gets the default ({}) and glibc falls back to "
                                             "{} only on {}; add {} with {} and errnoRet {}",
                                             s.name, s.name, describe_action(def), s.fallback, e, s.name,
                                             action_name(Action::error), stub)});
  }
  return out;
}

std::string lint_json(const std::vector<std::pair<std::string, std::vector<Finding>>>& files) {
  nlohmann::ordered_json j;
  size_t errors = 0, warnings = 0;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [file, findings] : files) {
    nlohmann::ordered_json f;
    size_t w = 0;
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const auto& x : findings) {
      w += x.warning;
      items.push_back({{"where", x.where}, {"severity", x.warning ? "warning" : "error"}, {"message", x.message}});
    }
    f["file"] = file;
    f["ok"] = w == findings.size();
    f["errors"] = findings.size() - w;
    f["warnings"] = w;
    f["findings"] = std::move(items);
    errors += findings.size() - w;
    warnings += w;
    list.push_back(std::move(f));
  }
  j["format"] = "syscribe-lint";
  j["version"] = 1;
  j["ok"] = errors == 0;
  j["errors"] = errors;
  j["warnings"] = warnings;
  j["files"] = std::move(list);
  return j.dump(2) + "\n";
}

}  // namespace syscribe::gen
