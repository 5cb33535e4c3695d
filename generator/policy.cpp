#include "generator/policy.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

std::string_view origin_name(Origin o) {
  switch (o) {
    case Origin::observed: return "observed";
    case Origin::essential: return "essential";
    case Origin::runtime_tail: return "runtime tail";
    case Origin::translation: return "translation";
    case Origin::fallback: return "fallback";
    case Origin::clone3_stub: return "clone3 stub";
    case Origin::known: return "known";
    case Origin::benign: return "benign values";
    case Origin::widened: return "widened";
  }
  return "?";
}

bool PolicyEntry::has(Origin o) const {
  return std::any_of(sources.begin(), sources.end(), [&](const Source& s) { return s.origin == o; });
}

const PolicyEntry* Policy::find(const std::string& syscall) const {
  for (const auto& e : entries)
    if (e.syscall == syscall) return &e;
  return nullptr;
}

std::string resolve_process(const std::string& name) {
  if (name.empty() || name[0] != '/') return "";
  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(name, ec);
  return ec ? "" : real.string();
}

bool process_matches(const std::string& name, const std::string& real, const std::string& exe,
                     const std::string& comm) {
  return name == exe || name == comm || (!real.empty() && real == exe);
}

void add_source(PolicyEntry& e, Origin o, std::string note) {
  for (const auto& s : e.sources)
    if (s.origin == o && s.note == note) return;
  e.sources.push_back({o, std::move(note)});
}

PolicyEntry& PolicyBuild::entry(const std::string& name) {
  PolicyEntry& e = entries[name];
  e.syscall = name;
  return e;
}

bool PolicyBuild::denied(const std::string& name) const { return review && review->denied.count(name); }

std::span<const PolicyPass> policy_passes() {
  static constexpr PolicyPass kPasses[] = {
      {"decisions", pass_decisions},       {"observed", pass_observed},
      {"known", pass_known},               {"clone3", pass_clone3},
      {"essentials", pass_essentials},     {"runtime tail", pass_runtime_tail},
      {"translation", pass_translation},   {"benign values", pass_benign},
      {"facts", pass_facts},               {"limits", pass_limits},
      {"notes", pass_notes},               {"review", pass_review},
      {"review gate", pass_review_gate},
  };
  return kPasses;
}

void run_passes(PolicyBuild& b) {
  for (const PolicyPass& p : policy_passes()) p.run(b);
}

PolicyBuild start_build(const ev::Evidence& ev, const PolicyOptions& opts) {
  PolicyBuild b;
  b.opts = opts;
  b.recordings = ev.recordings;
  Policy& pol = b.pol;
  pol.default_action = opts.default_action;
  if (opts.default_action == Action::error) pol.default_errno = opts.errno_value;

  // Options that name things in the evidence must name something.
  std::vector<std::string> phase_names = ev.phase_names();
  for (const auto& ph : opts.phases)
    if (std::find(phase_names.begin(), phase_names.end(), ph) == phase_names.end())
      throw usage_error(fmt::format("no phase '{}' in the evidence (phases: {})", ph,
                                    phase_names.empty() ? "none" : fmt::format("{}", fmt::join(phase_names, ", "))));
  std::vector<std::pair<std::string, std::string>> exclude;  // name, resolved path
  for (const auto& x : opts.exclude_processes) exclude.emplace_back(x, resolve_process(x));
  auto excluded = [&](const ev::Process& p) {
    return std::any_of(exclude.begin(), exclude.end(),
                       [&](const auto& x) { return process_matches(x.first, x.second, p.exe, p.comm); });
  };
  for (const auto& x : exclude)
    if (std::none_of(ev.processes.begin(), ev.processes.end(),
                     [&](const auto& kv) { return process_matches(x.first, x.second, kv.second.exe, kv.second.comm); }))
      throw usage_error(fmt::format("--exclude-process {}: no such process in the evidence", x.first));
  auto runtimes = known_runtimes(opts.runtime_tails);
  if (std::find(runtimes.begin(), runtimes.end(), opts.runtime) == runtimes.end())
    throw usage_error(fmt::format("unknown runtime '{}' (known: {})", opts.runtime, fmt::join(runtimes, ", ")));

  // Aggregate the evidence per syscall over processes, phases and arches.
  auto& agg = b.agg;
  auto& observed_arches = b.observed_arches;
  for (const auto& [key, p] : ev.processes) {
    bool skip = excluded(p);
    std::set<std::string> skipped_calls;
    for (const auto& [phase, arches] : p.phases) {
      if (!opts.phases.empty() && std::find(opts.phases.begin(), opts.phases.end(), phase) == opts.phases.end())
        continue;
      for (const auto& [arch_name, calls] : arches) {
        auto arch = sys::parse_arch(arch_name);
        if (!arch) {
          pol.warnings.push_back(fmt::format("{}: unknown architecture '{}' in the evidence: its calls are left out",
                                             p.exe, arch_name));
          continue;
        }
        for (const auto& [name, st] : calls) {
          if (skip) {
            skipped_calls.insert(name);
            continue;
          }
          if (!sys::find(name)) {
            pol.warnings.push_back(fmt::format("{} on {}: {} is not a known syscall and cannot be named in a profile",
                                               p.exe, arch_name, name));
            continue;
          }
          observed_arches.insert(*arch);
          Aggregate& a = agg[name];
          ev::merge_stats(a.stats, st);
          ev::merge_stats(a.uses[Use{p.exe, p.comm, phase}], st);
          ProcessUse& u = a.processes[key];
          u.exe = p.exe;
          u.comm = p.comm;
          u.phases.insert(phase);
          u.count += st.count;
          if (u.stack.empty()) u.stack = st.stack;
          a.phases.insert(phase);
          a.arches.insert(arch_name);
        }
      }
    }
    if (skip)
      pol.warnings.push_back(fmt::format(
          "--exclude-process: {} ({}) is left out ({} syscalls it made are not in the profile unless another process "
          "made them), but seccomp is inherited: the profile still applies to it",
          p.exe, p.comm, skipped_calls.size()));
  }

  // Architectures: the observed ones, plus those asked for. Compat arches only that way.
  std::set<sys::Arch> listed = observed_arches;
  for (sys::Arch a : observed_arches) pol.arch_why[std::string(sys::arch_name(a))] = "observed";
  // An incremental recording let calls run unrecorded on the arches its known file covered.
  for (const auto& r : ev.recordings) {
    std::set<std::string> known(r.known_arches.begin(), r.known_arches.end());
    for (const auto& [arch, calls] : r.known_tuples) known.insert(arch);
    for (const auto& name : known)
      if (auto a = sys::parse_arch(name); a && listed.insert(*a).second)
        pol.arch_why[name] = "known to an incremental recording (record --known)";
  }
  for (sys::Arch a : opts.arches) {
    if (listed.insert(a).second) pol.arch_why[std::string(sys::arch_name(a))] = "asked for with --arch";
  }
  if (listed.empty()) {
    listed.insert(sys::host_arch());
    pol.arch_why[std::string(sys::arch_name(sys::host_arch()))] = "the host's: nothing observed";
  }
  for (sys::Arch a : sys::kAllArches)
    if (listed.count(a)) pol.arches.push_back(a);

  return b;
}

Policy finish_build(PolicyBuild&& b) {
  for (auto& [name, e] : b.entries) b.pol.entries.push_back(std::move(e));
  return std::move(b.pol);
}

Policy build_policy(const ev::Evidence& ev, const PolicyOptions& opts) {
  PolicyBuild b = start_build(ev, opts);
  run_passes(b);
  return finish_build(std::move(b));
}

std::string filter_text(const std::string& syscall, const ArgFilter& f) {
  if (f.use != sys::ArgUse::mask) return fmt::format("{} only {}", f.arg, fmt::join(f.names, ", "));
  const sys::SyscallInfo* info = sys::find(syscall);
  const sys::ArgInfo* ai = info ? info->arg(f.arg) : nullptr;
  std::string bits = ai ? value_name(*ai, f.mask) : fmt::format("{:#x}", f.mask);
  if (f.values.size() == 1 && f.values[0] == 0) return fmt::format("{}: none of {} (other bits any)", f.arg, bits);
  std::vector<std::string> alts;
  for (size_t i = 0; i < f.values.size(); ++i) alts.push_back(f.values[i] == 0 ? "none" : f.names[i]);
  std::string last = alts.back();
  alts.pop_back();
  std::string list = alts.empty() ? last : fmt::format("{} or {}", fmt::join(alts, ", "), last);
  return fmt::format("{}: of {} only {} (other bits any)", f.arg, bits, list);
}

std::string calls_text(uint64_t n) { return fmt::format("{} call{}", n, n == 1 ? "" : "s"); }

std::string describe_sources(const PolicyEntry& e) {
  std::vector<std::string> parts;
  for (const auto& s : e.sources) parts.push_back(fmt::format("{}: {}", origin_name(s.origin), s.note));
  if (!e.review_note.empty()) parts.insert(parts.begin() + (parts.empty() ? 0 : 1), e.review_note);
  std::string out = fmt::format("{}", fmt::join(parts, "; "));
  for (const auto& f : e.filters) out += "; " + filter_text(e.syscall, f);
  return out;
}

Profile to_profile(const Policy& pol) {
  Profile p;
  p.default_action = pol.default_action;
  p.default_errno_ret = pol.default_errno;
  for (sys::Arch a : pol.arches) p.architectures.emplace_back(sys::scmp_arch_name(a));
  for (const auto& e : pol.entries) {
    Rule base;
    base.names = {e.syscall};
    base.action = e.action;
    base.errno_ret = e.errno_ret;
    base.comment = describe_sources(e);
    if (e.filters.empty()) {
      if (!e.scope.empty()) {
        std::set<std::string> go;
        for (const auto& a : e.scope) go.insert(std::string(sys::go_arch_name(sys::native_of(*sys::parse_arch(a)))));
        base.includes.arches.assign(go.begin(), go.end());
      }
      p.syscalls.push_back(base);
      continue;
    }
    if (!e.scope.empty()) {
      // Docker's includes.arches names the host's Go arch: the native of each scoped arch.
      std::set<std::string> go;
      for (const auto& a : e.scope) go.insert(std::string(sys::go_arch_name(sys::native_of(*sys::parse_arch(a)))));
      base.includes.arches.assign(go.begin(), go.end());
    }
    // One rule per allowed tuple: conditions on different indexes AND; a repeated index
    // would make runc OR every condition of the rule.
    for (const auto& t : e.tuples) {
      Rule r = base;
      for (size_t i = 0; i < e.filters.size(); ++i) {
        const ArgFilter& f = e.filters[i];
        if (f.mask == ~0ull)
          r.args.push_back({f.index, t[i], 0, "SCMP_CMP_EQ"});
        else
          r.args.push_back({f.index, f.mask, t[i], "SCMP_CMP_MASKED_EQ"});
      }
      p.syscalls.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace syscribe::gen
