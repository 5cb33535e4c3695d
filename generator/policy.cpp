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
  std::string args;  // "option=PR_SET_KEEPCAPS,PR_CAP_AMBIENT;..." or empty: not measured
};

std::vector<TailRow> tail_rows(const std::string& tsv) {
  std::vector<TailRow> rows;
  // runtime, syscall, note, args
  for (auto& cells : tsv_rows(tsv.empty() ? std::string_view(kRuntimeTailsTsv) : std::string_view(tsv), 4)) {
    rows.push_back({std::move(cells[0]), std::move(cells[1]), std::move(cells[2]), std::move(cells[3])});
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

// The observed combinations of `filters`' values, from the evidence's tuples, sorted and
// distinct; nullopt when the evidence holds no tuple for some of the calls (it was recorded
// before tuples were kept, or merged with such a recording).
std::optional<std::vector<std::vector<uint64_t>>> tuples_from(const sys::SyscallInfo& info,
                                                              const ev::SyscallStats& st,
                                                              const std::vector<ArgFilter>& filters) {
  std::vector<size_t> targs = ev::tuple_args(info);
  std::vector<size_t> pos;
  for (const auto& f : filters) {
    auto it = std::find(targs.begin(), targs.end(), f.index);
    if (it == targs.end()) return std::nullopt;
    pos.push_back(static_cast<size_t>(it - targs.begin()));
  }
  std::set<std::vector<uint64_t>> out;
  uint64_t calls = 0;
  for (const auto& [key, n] : st.tuples) {
    auto t = ev::parse_tuple(info, key);
    if (!t) continue;  // the reader refuses malformed keys
    std::vector<uint64_t> v;
    for (size_t i = 0; i < filters.size(); ++i) v.push_back((*t)[pos[i]] & filters[i].mask);
    out.insert(std::move(v));
    calls += n;
  }
  if (calls < st.count) return std::nullopt;
  return std::vector<std::vector<uint64_t>>(out.begin(), out.end());
}

// Every combination of the filters' values: the widening used when no tuples were recorded.
std::vector<std::vector<uint64_t>> cross_product(const std::vector<ArgFilter>& filters) {
  std::vector<std::vector<uint64_t>> out{{}};
  for (const auto& f : filters) {
    std::vector<std::vector<uint64_t>> next;
    for (const auto& t : out)
      for (uint64_t v : f.values) {
        next.push_back(t);
        next.back().push_back(v);
      }
    out = std::move(next);
  }
  return out;
}

// Drops filter `k` from an entry: its values leave every tuple, and tuples that become
// equal merge. The filter's argument is then allowed with any value.
void drop_filter(PolicyEntry& e, size_t k) {
  e.filters.erase(e.filters.begin() + static_cast<std::ptrdiff_t>(k));
  std::set<std::vector<uint64_t>> out;
  for (auto& t : e.tuples) {
    t.erase(t.begin() + static_cast<std::ptrdiff_t>(k));
    out.insert(std::move(t));
  }
  e.tuples.assign(out.begin(), out.end());
  if (e.filters.empty()) e.tuples.clear();
}

// With one filter, its values are the tuples.
void single_filter_tuples(PolicyEntry& e) {
  if (e.filters.size() != 1) return;
  e.tuples.clear();
  for (uint64_t v : e.filters[0].values) e.tuples.push_back({v});
}

// The filter an equivalent `q` gets for `src` (fork -> clone, open -> openat): the source's
// filters on arguments of the same name and use, with its tuples carried over; a masked
// argument of `q` the source has no filter on allows only "none of the mask's bits" (fork is
// a clone without namespace flags).
void translated_filter(const PolicyEntry& src, const sys::SyscallInfo& q, std::vector<ArgFilter>& filters,
                       std::vector<std::vector<uint64_t>>& tuples) {
  std::vector<size_t> kept;  // positions in src.filters, in q's argument order
  for (size_t i = 0; i < q.args.size(); ++i) {
    const sys::ArgInfo& a = q.args[i];
    if (a.use != sys::ArgUse::eq && a.use != sys::ArgUse::mask) continue;
    auto it = std::find_if(src.filters.begin(), src.filters.end(),
                           [&](const ArgFilter& f) { return f.arg == a.name && f.use == a.use; });
    if (it != src.filters.end()) {
      kept.push_back(static_cast<size_t>(it - src.filters.begin()));
      filters.push_back(*it);
      filters.back().index = static_cast<unsigned>(i);
    } else if (a.use == sys::ArgUse::mask) {
      kept.push_back(SIZE_MAX);
      filters.push_back({std::string(a.name), static_cast<unsigned>(i), a.use, a.mask, {0}, {value_name(a, 0)}});
    }
  }
  std::set<std::vector<uint64_t>> out;
  std::vector<std::vector<uint64_t>> from = src.tuples;
  if (from.empty()) from.push_back({});
  for (const auto& t : from) {
    std::vector<uint64_t> v;
    for (size_t k : kept) v.push_back(k == SIZE_MAX ? 0 : t[k]);
    out.insert(std::move(v));
  }
  if (!filters.empty()) tuples.assign(out.begin(), out.end());
}

// Adds another source's filter to an entry added without evidence (two translations to one
// equivalent): the tuples join when both filter the same arguments; otherwise the entry
// can only be left unfiltered, which is said.
void merge_filter(PolicyEntry& t, const std::vector<ArgFilter>& filters, const std::vector<std::vector<uint64_t>>& tuples,
                  std::vector<std::string>& warnings) {
  bool same = filters.size() == t.filters.size() &&
              std::equal(filters.begin(), filters.end(), t.filters.begin(),
                         [](const ArgFilter& a, const ArgFilter& b) { return a.index == b.index && a.mask == b.mask; });
  if (!same) {
    warnings.push_back(fmt::format("{}: widened: its sources filter different arguments: allowed with any arguments",
                                   t.syscall));
    t.sources.push_back({Origin::widened, "its sources filter different arguments: any arguments"});
    t.filters.clear();
    t.tuples.clear();
    return;
  }
  std::set<std::vector<uint64_t>> all(t.tuples.begin(), t.tuples.end());
  all.insert(tuples.begin(), tuples.end());
  t.tuples.assign(all.begin(), all.end());
  for (size_t i = 0; i < filters.size(); ++i) {
    std::set<uint64_t> vals(t.filters[i].values.begin(), t.filters[i].values.end());
    vals.insert(filters[i].values.begin(), filters[i].values.end());
    t.filters[i].values.assign(vals.begin(), vals.end());
  }
}

// The observed values the tables mark dangerous, for people ("flags CLONE_NEWUTS"); empty
// when there are none.
std::string dangerous_values(const sys::SyscallInfo& info, const ev::SyscallStats& st) {
  std::vector<std::string> out;
  for (const auto& a : info.args) {
    if (a.danger.empty()) continue;
    auto it = st.args.find(std::string(a.name));
    if (it == st.args.end()) continue;
    std::set<uint64_t> hits;
    for (const auto& [text, _] : it->second) {
      auto v = sys::parse_value("", text);
      if (!v || !a.is_dangerous(*v)) continue;
      uint64_t bits = 0;
      for (uint64_t d : a.danger) bits |= d;
      hits.insert(a.use == sys::ArgUse::mask ? *v & bits : *v);
    }
    for (uint64_t v : hits) out.push_back(fmt::format("{} {}", a.name, value_name(a, v)));
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

// The benign values pass: values syscalls-tables marks as always safe join the filter of an
// allowed syscall that filters on their argument (fcntl's F_SETFL though only F_GETFD was
// recorded), labelled with what they added.
void add_benign(PolicyEntry& e, const sys::SyscallInfo& info) {
  if (e.action != "SCMP_ACT_ALLOW" || e.filters.size() != 1) return;
  ArgFilter& f = e.filters[0];
  const sys::ArgInfo& a = info.args[f.index];
  std::vector<std::string> added;
  for (uint64_t v : a.benign) {
    uint64_t m = v & f.mask;
    if (std::binary_search(f.values.begin(), f.values.end(), m)) continue;
    f.values.insert(std::upper_bound(f.values.begin(), f.values.end(), m), m);
    added.push_back(value_name(a, m));
  }
  if (!added.empty())
    e.sources.push_back({Origin::benign, fmt::format("{} {} added: syscalls-tables marks them safe whenever {} is "
                                                     "allowed",
                                                     f.arg, fmt::join(added, ", "), e.syscall)});
}

// The limits pass: a syscall with more distinct tuples than `limit` loses the filter on the
// argument with the most distinct values until it fits, each step labelled and warned about.
void limit_tuples(PolicyEntry& e, size_t limit, std::vector<std::string>& warnings) {
  while (e.tuples.size() > limit && !e.filters.empty()) {
    size_t k = 0;
    for (size_t i = 1; i < e.filters.size(); ++i)
      if (e.filters[i].values.size() > e.filters[k].values.size()) k = i;
    std::string why = fmt::format("{} argument tuples, more than the limit of {} rules per syscall: any {} allowed",
                                  e.tuples.size(), limit, e.filters[k].arg);
    warnings.push_back(fmt::format("{}: widened: {}", e.syscall, why));
    e.sources.push_back({Origin::widened, why});
    drop_filter(e, k);
  }
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

// The known pass for argument values: an incremental recording let calls through whose
// recorded values matched `keys` (ev::known_key); they join the entry's filters and tuples as
// observed values would. A key that leaves a filtered argument open, or compares fewer of its
// bits than the filter, widens that filter (labelled).
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
      uint64_t mask = a.use == sys::ArgUse::mask ? a.mask : (a.is32 ? 0xffffffffull : ~0ull);
      e.filters.push_back({std::string(a.name), static_cast<unsigned>(i), a.use, mask, {}, {}});
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

std::optional<std::pair<std::vector<ArgFilter>, std::vector<std::vector<uint64_t>>>> tail_filter(
    const sys::SyscallInfo& info, const std::string& args, const std::string& where) {
  if (args.empty() || args == "-") return std::nullopt;
  std::vector<ArgFilter> filters;
  size_t pos = 0;
  while (pos <= args.size()) {
    size_t end = args.find(';', pos);
    std::string part = args.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? args.size() + 1 : end + 1;
    size_t eq = part.find('=');
    int idx = eq == std::string::npos ? -1 : info.arg_index(part.substr(0, eq));
    if (idx < 0) throw Error(fmt::format("{}: \"{}\": expected ARG=VALUE,... with an argument of {}", where, part, info.name));
    const sys::ArgInfo& a = info.args[static_cast<size_t>(idx)];
    if (a.use != sys::ArgUse::eq && a.use != sys::ArgUse::mask)
      throw Error(fmt::format("{}: {} of {} is not filtered", where, a.name, info.name));
    ArgFilter f{std::string(a.name), static_cast<unsigned>(idx), a.use,
                a.use == sys::ArgUse::mask ? a.mask : (a.is32 ? 0xffffffffull : ~0ull), {}, {}};
    std::set<uint64_t> values;
    std::string list = part.substr(eq + 1);
    for (size_t p = 0; p <= list.size();) {
      size_t c = list.find(',', p);
      std::string v = list.substr(p, c == std::string::npos ? std::string::npos : c - p);
      p = c == std::string::npos ? list.size() + 1 : c + 1;
      auto n = sys::parse_value(a.xlat, v);
      if (!n) throw Error(fmt::format("{}: \"{}\" is no value of {} of {}", where, v, a.name, info.name));
      values.insert(*n & f.mask);
    }
    f.values.assign(values.begin(), values.end());
    filters.push_back(std::move(f));
  }
  std::sort(filters.begin(), filters.end(), [](const ArgFilter& x, const ArgFilter& y) { return x.index < y.index; });
  return std::make_pair(filters, cross_product(filters));
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
    std::string who = e.processes.empty() ? "" : e.processes.front().exe;
    if (e.processes.size() > 1) who += fmt::format(" and {} more", e.processes.size() - 1);
    add_source(e, Origin::observed,
               fmt::format("{} by {} ({})", calls_text(e.count), who, fmt::join(e.phases, ", ")));
    e.danger = dangerous_values(*info, a.stats);
    if (opts.arg_filters) {
      e.filters = filters_from(*info, a.stats, pol.warnings);
      if (e.filters.size() > 1) {
        // Without tuples the cross product is exact while at most one argument varies.
        size_t varying = 0;
        for (const auto& f : e.filters) varying += f.values.size() > 1;
        if (auto t = tuples_from(*info, a.stats, e.filters)) {
          e.tuples = std::move(*t);
        } else if (varying <= 1) {
          e.tuples = cross_product(e.filters);
        } else {
          e.tuples = cross_product(e.filters);
          std::vector<std::string> args;
          for (const auto& f : e.filters) args.push_back(f.arg);
          std::string why = fmt::format("the evidence holds no argument tuples for some calls (recorded before "
                                        "syscribe kept them): every combination of the observed {} is allowed",
                                        fmt::join(args, ", "));
          add_source(e, Origin::widened, why);
          pol.warnings.push_back(fmt::format("{}: widened: {}", name, why));
        }
      }
      single_filter_tuples(e);
    }
  }

  // An incremental recording did not stop on syscalls it already knew: they stay allowed.
  for (const auto& r : ev.recordings)
    for (const auto& name : r.known) {
      if (name == "clone3" || !sys::find(name) || (entries.count(name) && entries[name].has(Origin::known))) continue;
      PolicyEntry& e = entry(name);
      if (!e.has(Origin::observed)) {  // known calls are never argument-sensitive
        e.filters.clear();
        e.tuples.clear();
      }
      add_source(e, Origin::known, "allowed without recording by an incremental recording (--known)");
    }
  for (const auto& r : ev.recordings)
    for (const auto& [arch, calls] : r.known_tuples)
      for (const auto& [name, keys] : calls)
        if (name != "clone3" && sys::find(name)) add_known_tuples(entry(name), keys, opts.arg_filters, pol.warnings);

  // clone3: its flags sit in memory seccomp cannot read, so allowing it would bypass the
  // clone namespace filter. It gets ENOSYS (glibc then falls back to clone) unless accepted.
  bool clone3_seen = agg.count("clone3") > 0;
  if (!(clone3_seen && opts.accept_clone3)) {
    PolicyEntry& e = entry("clone3");
    e.action = "SCMP_ACT_ERRNO";
    e.errno_ret = ENOSYS;
    e.filters.clear();
    e.tuples.clear();
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
    if (!e.has(Origin::observed)) {
      e.filters.clear();
      e.tuples.clear();
    }
  }

  // The runtime tail: each row's measured argument values join the entry's filter; a row
  // without them (or with other arguments than the workload's filter) widens, labelled.
  if (opts.runtime != "none") {
    for (const auto& row : tail_rows(opts.runtime_tails)) {
      if (row.runtime != opts.runtime) continue;
      const std::string& name = row.syscall;
      const sys::SyscallInfo* info = sys::find(name);
      if (!info) {
        pol.warnings.push_back(fmt::format("runtime-tails.tsv: unknown syscall {} for {}", name, opts.runtime));
        continue;
      }
      bool is_new = !entries.count(name);
      PolicyEntry& e = entry(name);
      add_source(e, Origin::runtime_tail, fmt::format("{}: {}", opts.runtime, row.note.empty() ? "measured" : row.note));
      auto tail = opts.arg_filters ? tail_filter(*info, row.args, fmt::format("runtime-tails.tsv: {} {}", opts.runtime, name))
                                   : std::nullopt;
      if (tail && (is_new || !e.filters.empty())) {
        if (is_new) {
          e.filters = std::move(tail->first);
          e.tuples = std::move(tail->second);
        } else {
          merge_filter(e, tail->first, tail->second, pol.warnings);
        }
      } else if (!tail && !ev::tuple_args(*info).empty() && opts.arg_filters && (is_new || !e.filters.empty())) {
        std::string why = fmt::format("the {} tail's arguments are not measured: any arguments allowed", opts.runtime);
        pol.warnings.push_back(fmt::format("{}: widened: {}", name, why));
        add_source(e, Origin::widened, why);
        e.filters.clear();
        e.tuples.clear();
      }
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
        add_source(t, Origin::translation,
                   fmt::format("{} lacks {}: allowed as {} on {} only", sys::arch_name(target), name, eqn,
                               sys::arch_name(target)));
        if (t.has(Origin::observed)) continue;  // the workload's own filter stands
        t.scope.insert(std::string(sys::arch_name(target)));
        std::vector<ArgFilter> filters;
        std::vector<std::vector<uint64_t>> tuples;
        if (opts.arg_filters) translated_filter(entries[name], *q, filters, tuples);
        if (is_new) {
          t.filters = std::move(filters);
          t.tuples = std::move(tuples);
        } else if (!t.filters.empty()) {
          merge_filter(t, filters, tuples, pol.warnings);
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
    if (!e.danger.empty()) {
      e.risk = std::max(e.risk, sys::Risk::high);
      e.reason = fmt::format("observed with {}, which syscalls-tables marks dangerous; {}", e.danger, s->reason);
    }
    add_benign(e, *s);
    // Only a translation scopes a rule to the arches that need it; any other reason to
    // allow the call holds everywhere.
    if (e.has(Origin::observed) || e.has(Origin::essential) || e.has(Origin::runtime_tail) || e.has(Origin::known) ||
        e.has(Origin::fallback) || e.action != "SCMP_ACT_ALLOW")
      e.scope.clear();
    for (sys::Arch a : pol.arches)
      if (s->exists_on(a) && (e.scope.empty() || e.scope.count(std::string(sys::arch_name(a)))))
        e.arches.insert(std::string(sys::arch_name(a)));
    for (auto& f : e.filters) {
      // A value set that depends on another argument (setsockopt's optname on its level)
      // names each value by the values that argument's filter allows.
      const sys::ArgInfo& a = s->args[f.index];
      int by = s->arg_index(sys::xlat_context_arg(a.xlat));
      std::vector<uint64_t> context;
      for (const auto& g : e.filters)
        if (by >= 0 && static_cast<int>(g.index) == by) context = g.values;
      f.names.clear();
      for (uint64_t v : f.values) f.names.push_back(by >= 0 ? sys::decode_value(*s, a, v, context) : value_name(a, v));
    }
    single_filter_tuples(e);
    limit_tuples(e, opts.max_rules_per_syscall, pol.warnings);
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
      if (!e.scope.empty()) {
        std::set<std::string> go;
        for (const auto& a : e.scope) go.insert(std::string(sys::go_arch_name(native_of(*sys::parse_arch(a)))));
        base.includes.arches.assign(go.begin(), go.end());
      }
      p.syscalls.push_back(base);
      continue;
    }
    if (!e.scope.empty()) {
      // Docker's includes.arches names the host's Go arch: the native of each scoped arch.
      std::set<std::string> go;
      for (const auto& a : e.scope) go.insert(std::string(sys::go_arch_name(native_of(*sys::parse_arch(a)))));
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
