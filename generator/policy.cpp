#include "generator/policy.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/tsv.h"

namespace syscribe::gen {

extern const char* const kRuntimeTailsTsv;  // runtime-tails.tsv, embedded at build time

namespace {

// The calls no process can live without; sigreturn only where the arch has it.
constexpr std::string_view kEssentials[] = {"exit", "exit_group", "restart_syscall", "rt_sigreturn", "sigreturn"};

struct Aggregate {
  ev::SyscallStats stats;
  std::map<ev::ProcessKey, ProcessUse> processes;
  std::set<std::string> phases;
  std::set<std::string> arches;
};

struct TailRow {
  std::string runtime, syscall, note;
};

std::vector<TailRow> tail_rows(const std::string& tsv) {
  std::vector<TailRow> rows;
  // runtime, syscall, note
  for (auto& cells : tsv_rows(tsv.empty() ? std::string_view(kRuntimeTailsTsv) : std::string_view(tsv), 3)) {
    rows.push_back({std::move(cells[0]), std::move(cells[1]), std::move(cells[2])});
  }
  return rows;
}

std::string value_name(const sys::ArgInfo& a, uint64_t v) { return sys::decode_value(a.xlat, a.kind, v); }
// The same, naming the value by the recorded values of the argument its set depends on
// (setsockopt's optname by level).
std::string value_name(const sys::SyscallInfo& s, const sys::ArgInfo& a, uint64_t v, const ev::SyscallStats& st) {
  std::vector<uint64_t> context;
  if (auto by = st.args.find(std::string(sys::xlat_context_arg(a.xlat))); by != st.args.end())
    for (const auto& [text, _] : by->second)
      if (auto c = sys::parse_value("", text)) context.push_back(*c);
  return sys::decode_value(s, a, v, context);
}

// Argument filters for one syscall from the values recorded for it. An argument whose values
// were not recorded gets no filter, with a warning: allowing it
// unconditionally is the only choice that does not break the workload.
std::vector<ArgFilter> filters_from(const sys::SyscallInfo& info, const ev::SyscallStats& st,
                                    std::vector<std::string>& warnings) {
  std::vector<ArgFilter> out;
  for (size_t i = 0; i < info.args.size(); ++i) {
    const sys::ArgInfo& a = info.args[i];
    if (a.use != sys::ArgUse::eq && a.use != sys::ArgUse::mask) continue;
    auto it = st.args.find(std::string(a.name));
    if (it == st.args.end() || it->second.empty()) {
      warnings.push_back(fmt::format("{}: no values of {} were recorded: allowed with any {}", info.name, a.name, a.name));
      continue;
    }
    ArgFilter f;
    f.arg = a.name;
    f.index = static_cast<unsigned>(i);
    f.use = a.use;
    f.mask = a.use == sys::ArgUse::mask ? a.mask : (a.is32 ? 0xffffffffull : ~0ull);
    std::set<uint64_t> values;
    // Numbers: the evidence reader refuses any other value of a number argument.
    for (const auto& [text, _] : it->second) values.insert(sys::parse_value("", text).value() & f.mask);
    f.values.assign(values.begin(), values.end());
    for (uint64_t v : f.values) f.names.push_back(value_name(info, a, v, st));
    out.push_back(std::move(f));
  }
  return out;
}

// The filters a syscall gets when it is added without evidence of its arguments (the clone
// fallback): masked arguments allow only "none of the mask's bits"; others stay open.
std::vector<ArgFilter> closed_mask_filters(const sys::SyscallInfo& info) {
  std::vector<ArgFilter> out;
  for (size_t i = 0; i < info.args.size(); ++i) {
    const sys::ArgInfo& a = info.args[i];
    if (a.use != sys::ArgUse::mask) continue;
    out.push_back({std::string(a.name), static_cast<unsigned>(i), a.use, a.mask, {0}, {value_name(a, 0)}});
  }
  return out;
}

void add_source(PolicyEntry& e, Origin o, std::string note) {
  for (const auto& s : e.sources)
    if (s.origin == o && s.note == note) return;
  e.sources.push_back({o, std::move(note)});
}

}  // namespace

std::string_view origin_name(Origin o) {
  switch (o) {
    case Origin::observed: return "observed";
    case Origin::essential: return "essential";
    case Origin::runtime_tail: return "runtime tail";
    case Origin::translation: return "translation";
    case Origin::fallback: return "fallback";
    case Origin::clone3_stub: return "clone3 stub";
    case Origin::known: return "known";
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

std::vector<std::string> known_runtimes(const std::string& tsv) {
  std::vector<std::string> out{"none"};
  for (const auto& r : tail_rows(tsv))
    if (std::find(out.begin(), out.end(), r.runtime) == out.end()) out.push_back(r.runtime);
  return out;
}

std::map<std::string, std::string> runtime_tail(const std::string& runtime, const std::string& tsv) {
  std::map<std::string, std::string> out;
  for (const auto& r : tail_rows(tsv))
    if (r.runtime == runtime) out[r.syscall] = r.note;
  return out;
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

Policy build_policy(const ev::Evidence& ev, const PolicyOptions& opts) {
  Policy pol;
  pol.default_action = opts.default_action;
  if (opts.default_action == "SCMP_ACT_ERRNO") pol.default_errno = opts.errno_value;

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
  std::map<std::string, Aggregate> agg;
  std::set<sys::Arch> observed_arches;
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
  for (sys::Arch a : opts.arches) {
    if (listed.insert(a).second) pol.arch_why[std::string(sys::arch_name(a))] = "asked for with --arch";
  }
  if (listed.empty()) {
    listed.insert(sys::host_arch());
    pol.arch_why[std::string(sys::arch_name(sys::host_arch()))] = "the host's: nothing observed";
  }
  for (sys::Arch a : sys::kAllArches)
    if (listed.count(a)) pol.arches.push_back(a);

  std::map<std::string, PolicyEntry> entries;
  auto entry = [&](const std::string& name) -> PolicyEntry& {
    PolicyEntry& e = entries[name];
    e.syscall = name;
    return e;
  };

  // Observed syscalls: one allow entry each, with argument filters from the evidence.
  for (auto& [name, a] : agg) {
    const sys::SyscallInfo* info = sys::find(name);
    PolicyEntry& e = entry(name);
    e.count = a.stats.count;
    for (auto& [key, u] : a.processes) e.processes.push_back(u);
    std::sort(e.processes.begin(), e.processes.end(),
              [](const ProcessUse& x, const ProcessUse& y) { return std::tie(y.count, x.exe) < std::tie(x.count, y.exe); });
    e.phases = a.phases;
    e.observed_arches = a.arches;
    for (const auto& [arg, values] : a.stats.args) {
      const sys::ArgInfo* ai = info->arg(arg);
      for (const auto& [text, n] : values) {
        std::string shown = text;
        if (ai && !sys::is_string_kind(ai->kind))
          if (auto v = sys::parse_value("", text)) shown = value_name(*info, *ai, *v, a.stats);
        e.arg_values[arg][shown] += n;
      }
    }
    if (opts.arg_filters) e.filters = filters_from(*info, a.stats, pol.warnings);
    std::string who = e.processes.empty() ? "" : e.processes.front().exe;
    if (e.processes.size() > 1) who += fmt::format(" and {} more", e.processes.size() - 1);
    add_source(e, Origin::observed,
               fmt::format("{} by {} ({})", calls_text(e.count), who, fmt::join(e.phases, ", ")));
  }

  // An incremental recording did not stop on syscalls it already knew: they stay allowed.
  for (const auto& r : ev.recordings)
    for (const auto& name : r.known) {
      if (name == "clone3" || !sys::find(name) || (entries.count(name) && entries[name].has(Origin::known))) continue;
      PolicyEntry& e = entry(name);
      if (!e.has(Origin::observed)) e.filters.clear();  // known calls are never argument-sensitive
      add_source(e, Origin::known, "allowed without recording by an incremental recording (--known)");
    }

  // clone3: its flags sit in memory seccomp cannot read, so allowing it would bypass the
  // clone namespace filter. It gets ENOSYS (glibc then falls back to clone) unless accepted.
  bool clone3_seen = agg.count("clone3") > 0;
  if (!(clone3_seen && opts.accept_clone3)) {
    PolicyEntry& e = entry("clone3");
    e.action = "SCMP_ACT_ERRNO";
    e.errno_ret = ENOSYS;
    e.filters.clear();
    add_source(e, Origin::clone3_stub,
               clone3_seen ? "observed but not accepted: returns ENOSYS so glibc falls back to clone, whose flags "
                             "seccomp can check"
                           : "returns ENOSYS so glibc falls back to clone, whose flags seccomp can check");
    if (clone3_seen) {
      PolicyEntry& c = entry("clone");
      add_source(c, Origin::fallback, "glibc calls clone when clone3 returns ENOSYS");
      const sys::SyscallInfo* ci = sys::find("clone");
      if (!c.has(Origin::observed)) {
        if (opts.arg_filters) c.filters = closed_mask_filters(*ci);
      } else {
        // The fallback's flags were never seen: make sure "no namespace flags" is allowed.
        for (auto& f : c.filters) {
          if (f.use != sys::ArgUse::mask || std::binary_search(f.values.begin(), f.values.end(), 0ull)) continue;
          f.values.insert(f.values.begin(), 0);
          f.names.insert(f.names.begin(), value_name(ci->args[f.index], 0));
        }
      }
    }
  } else {
    add_source(entry("clone3"), Origin::observed, "accepted by a review decision");
  }

  // The essentials.
  for (std::string_view n : kEssentials) {
    const sys::SyscallInfo* s = sys::find(n);
    if (!s || std::none_of(pol.arches.begin(), pol.arches.end(), [&](sys::Arch a) { return s->exists_on(a); }))
      continue;
    PolicyEntry& e = entry(std::string(n));
    add_source(e, Origin::essential, "no process can live without it");
    if (!e.has(Origin::observed)) e.filters.clear();
  }

  // The runtime tail: allowed without argument filters (their arguments are not measured).
  if (opts.runtime != "none") {
    for (const auto& [name, note] : runtime_tail(opts.runtime, opts.runtime_tails)) {
      if (!sys::find(name)) {
        pol.warnings.push_back(fmt::format("runtime-tails.tsv: unknown syscall {} for {}", name, opts.runtime));
        continue;
      }
      PolicyEntry& e = entry(name);
      if (!e.filters.empty())
        pol.warnings.push_back(fmt::format("{}: the {} tail needs it with arguments that were not measured: its "
                                           "argument filter is dropped",
                                           name, opts.runtime));
      e.filters.clear();
      add_source(e, Origin::runtime_tail, fmt::format("{}: {}", opts.runtime, note.empty() ? "measured" : note));
    }
  }

  // Translation: for each arch asked for but not observed, observed syscalls it lacks are
  // replaced by their equivalents (filters carried over for arguments of the same name).
  for (sys::Arch target : pol.arches) {
    if (observed_arches.count(target)) continue;
    std::vector<std::string> names;
    for (const auto& [name, e] : entries)
      if (e.has(Origin::observed)) names.push_back(name);
    for (const auto& name : names) {
      const sys::SyscallInfo* s = sys::find(name);
      if (s->exists_on(target)) continue;
      std::vector<std::string_view> todo(s->equivalents.begin(), s->equivalents.end());
      std::set<std::string_view> done;
      bool placed = false;
      while (!todo.empty()) {
        std::string_view eqn = todo.back();
        todo.pop_back();
        if (!done.insert(eqn).second) continue;
        const sys::SyscallInfo* q = sys::find(eqn);
        if (!q) continue;
        if (!q->exists_on(target)) {  // an equivalent of an equivalent (stat -> newfstatat)
          todo.insert(todo.end(), q->equivalents.begin(), q->equivalents.end());
          continue;
        }
        placed = true;
        bool is_new = !entries.count(std::string(eqn));
        PolicyEntry& t = entry(std::string(eqn));
        add_source(t, Origin::translation, fmt::format("{} lacks {}", sys::arch_name(target), name));
        if (is_new) {
          for (const auto& f : entries[name].filters) {
            int idx = q->arg_index(f.arg);
            if (idx < 0 || q->args[static_cast<size_t>(idx)].use != f.use) continue;
            ArgFilter g = f;
            g.index = static_cast<unsigned>(idx);
            t.filters.push_back(g);
          }
        } else if (!t.has(Origin::observed)) {
          t.filters.clear();
        }
      }
      if (!placed)
        pol.warnings.push_back(fmt::format("{} does not exist on {} and syscalls-tables names no equivalent there",
                                           name, sys::arch_name(target)));
    }
  }

  // Facts from syscalls-tables, the arches each rule applies on, and the size of filters.
  for (auto& [name, e] : entries) {
    const sys::SyscallInfo* s = sys::find(name);
    e.category = s->category;
    e.risk = s->risk;
    e.reason = s->reason;
    for (sys::Arch a : pol.arches)
      if (s->exists_on(a)) e.arches.insert(std::string(sys::arch_name(a)));
    size_t product = 1;
    for (const auto& f : e.filters) product *= f.values.size();
    while (product > opts.max_rules_per_syscall && !e.filters.empty()) {
      pol.warnings.push_back(fmt::format("{}: too many value combinations: the filter on {} is dropped", name,
                                         e.filters.back().arg));
      product /= e.filters.back().values.size();
      e.filters.pop_back();
    }
    if (std::find(pol.arches.begin(), pol.arches.end(), sys::Arch::s390x) != pol.arches.end() && name == "clone" &&
        !e.filters.empty())
      pol.warnings.push_back("clone on s390x takes flags as its second argument: the clone filter does not hold there");
    if (e.has(Origin::translation) && !e.has(Origin::observed))
      pol.notes.push_back(fmt::format("{}: added by translation ({})", name, e.sources.front().note));
    if (e.has(Origin::runtime_tail) && !e.has(Origin::observed))
      pol.notes.push_back(fmt::format("{}: added for the {} runtime tail", name, opts.runtime));
    if (e.has(Origin::essential) && !e.has(Origin::observed))
      pol.notes.push_back(fmt::format("{}: added as essential", name));
    if (e.has(Origin::known) && !e.has(Origin::observed))
      pol.notes.push_back(fmt::format("{}: known to an incremental recording", name));
    if (e.has(Origin::fallback) && !e.has(Origin::observed))
      pol.notes.push_back(fmt::format("{}: added as the clone3 fallback", name));
  }
  if (std::any_of(pol.arches.begin(), pol.arches.end(), big_endian) &&
      !std::all_of(pol.arches.begin(), pol.arches.end(), big_endian))
    pol.warnings.push_back("s390x beside little-endian arches: libseccomp (runc) cannot load arches of both byte "
                           "orders in one filter; flat OCI/SPO profiles fail to load, use --format docker (archMap) "
                           "or one profile per arch family");
  for (auto& [name, e] : entries) pol.entries.push_back(std::move(e));
  return pol;
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
      p.syscalls.push_back(base);
      continue;
    }
    // One rule per combination of allowed values: conditions on different indexes AND; a
    // repeated index would make runc OR every condition of the rule.
    std::vector<size_t> pick(e.filters.size(), 0);
    bool more = true;
    while (more) {
      Rule r = base;
      for (size_t i = 0; i < e.filters.size(); ++i) {
        const ArgFilter& f = e.filters[i];
        uint64_t v = f.values[pick[i]];
        if (f.mask == ~0ull)
          r.args.push_back({f.index, v, 0, "SCMP_CMP_EQ"});
        else
          r.args.push_back({f.index, f.mask, v, "SCMP_CMP_MASKED_EQ"});
      }
      p.syscalls.push_back(std::move(r));
      more = false;
      for (size_t i = e.filters.size(); i-- > 0;) {  // the next combination, odometer-style
        if (++pick[i] < e.filters[i].values.size()) {
          more = true;
          break;
        }
        pick[i] = 0;
      }
    }
  }
  return p;
}

}  // namespace syscribe::gen
