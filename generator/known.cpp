#include "generator/known.h"

#include <algorithm>
#include <linux/filter.h>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/profile.h"

namespace syscribe::gen {

namespace {

// The arguments the recorder records for `info` (use other than none), in call order; empty
// when one of them is a string, which BPF cannot compare.
std::vector<size_t> comparable_args(const sys::SyscallInfo& info) {
  std::vector<size_t> out;
  for (size_t i = 0; i < info.args.size() && i < 6; ++i) {
    if (info.args[i].use == sys::ArgUse::none) continue;
    if (sys::is_string_kind(info.args[i].kind)) return {};
    out.push_back(i);
  }
  return out;
}

// The keys of the values one syscall's stats recorded: with one recorded argument its values,
// with more its tuples (which the recorder keeps only when all of them are filtered numbers).
void keys_from_stats(const sys::SyscallInfo& info, const ev::SyscallStats& st, std::set<std::string>& out) {
  std::vector<size_t> args = comparable_args(info);
  if (args.size() == 1) {
    auto it = st.args.find(std::string(info.args[args[0]].name));
    if (it == st.args.end()) return;
    for (const auto& [text, _] : it->second)
      if (auto v = sys::parse_value("", text)) out.insert(ev::known_key(info, {{args[0], ~0ull, *v}}));
    return;
  }
  if (args.empty() || args != ev::tuple_args(info)) return;
  for (const auto& [key, _] : st.tuples) {
    auto t = ev::parse_tuple(info, key);
    if (!t) continue;  // the reader refuses malformed keys
    std::vector<ev::KnownCompare> c;
    for (size_t i = 0; i < args.size(); ++i) c.push_back({args[i], ~0ull, (*t)[i]});
    out.insert(ev::known_key(info, c));
  }
}

void known_from_evidence(const ev::Evidence& e, Known& k) {
  for (const auto& [key, proc] : e.processes)
    for (const auto& [phase, arches] : proc.phases)
      for (const auto& [arch, calls] : arches) {
        if (!calls.empty()) k.arches.insert(arch);
        for (const auto& [name, stats] : calls) {
          const sys::SyscallInfo* info = sys::find(name);
          if (!info) continue;
          if (!info->has_recorded_args())
            k.names.insert(name);
          else
            keys_from_stats(*info, stats, k.tuples[arch][name]);
        }
      }
  for (const auto& r : e.recordings) {
    k.arches.insert(r.known_arches.begin(), r.known_arches.end());
    for (const auto& [arch, calls] : r.known_tuples) k.arches.insert(arch);
    for (const auto& name : r.known)
      if (const sys::SyscallInfo* info = sys::find(name); info && !info->has_recorded_args()) k.names.insert(name);
    for (const auto& [arch, calls] : r.known_tuples)
      for (const auto& [name, keys] : calls) k.tuples[arch][name].insert(keys.begin(), keys.end());
  }
}

// The key of one group of a profile rule's conditions on `arch`, or "" when the group compares
// something the recorder does not record or in a way a key cannot say, or can never match a
// recorded value (a compare of bits the recorder cuts off).
std::string key_from_conditions(const sys::SyscallInfo& info, const std::vector<ArgCond>& conds, sys::Arch arch) {
  std::vector<ev::KnownCompare> out;
  for (const auto& c : conds) {
    if (c.index >= info.args.size()) return "";
    const sys::ArgInfo& a = info.args[c.index];
    if (a.use == sys::ArgUse::none || sys::is_string_kind(a.kind)) return "";
    uint64_t width = sys::arg_mask(arch, a.is32);
    uint64_t mask = width, value = c.value;
    if (c.op == "SCMP_CMP_MASKED_EQ") {
      mask = c.value & width;
      value = c.value_two;
    } else if (c.op != "SCMP_CMP_EQ") {
      return "";
    }
    if (value & ~mask) return "";
    out.push_back({c.index, mask == width ? ~0ull : mask, value});
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].index == out[i - 1].index) return "";
  return out.empty() ? "" : ev::known_key(info, out);
}

void known_from_profile(const Profile& p, std::span<const sys::Arch> wanted, Known& k) {
  // A rule's compares hold only on the arches a runtime would put in the filter.
  std::vector<sys::Arch> arches;
  for (sys::Arch a : effective_arches(p, sys::host_arch()))
    if (std::find(wanted.begin(), wanted.end(), a) != wanted.end()) arches.push_back(a);
  for (sys::Arch a : arches) k.arches.insert(std::string(sys::arch_name(a)));
  for (const auto& r : p.syscalls) {
    if (r.action != Action::allow || !r.includes.empty() || !r.excludes.empty()) continue;
    for (const auto& name : r.names) {
      const sys::SyscallInfo* info = sys::find(name);
      if (!info) continue;
      if (r.args.empty()) {
        // Allowed with any arguments: known only when none is recorded, or new values go unseen.
        if (!info->has_recorded_args()) k.names.insert(name);
        continue;
      }
      if (comparable_args(*info).empty()) continue;
      // runc ORs every condition of a rule that repeats an argument index.
      bool repeated = false;
      for (size_t i = 0; i < r.args.size(); ++i)
        for (size_t j = 0; j < i; ++j) repeated |= r.args[i].index == r.args[j].index;
      std::vector<std::vector<ArgCond>> groups;
      if (repeated)
        for (const auto& c : r.args) groups.push_back({c});
      else
        groups.push_back(r.args);
      for (sys::Arch a : arches) {
        if (!info->exists_on(a)) continue;
        for (const auto& g : groups)
          if (std::string key = key_from_conditions(*info, g, a); !key.empty())
            k.tuples[std::string(sys::arch_name(a))][name].insert(key);
      }
    }
  }
}

// Whether a recorded value on `arch` can match `key`: its values use no bit the recorder cuts.
bool can_match(const sys::SyscallInfo& info, const std::string& key, sys::Arch arch) {
  auto compares = ev::parse_known_key(info, key);
  if (!compares) return false;
  for (const auto& c : *compares)
    if (c.value & ~(c.mask & sys::arg_mask(arch, info.args[c.index].is32))) return false;
  return true;
}

// One arch's filter profile: the names, and a rule per key with the recorded bits compared.
Profile arch_profile(const Known& k, sys::Arch arch) {
  Profile p;
  p.default_action = Action::trace;
  p.default_errno_ret = 0;
  if (!k.names.empty()) {
    Rule allow;
    allow.names.assign(k.names.begin(), k.names.end());
    p.syscalls.push_back(std::move(allow));
  }
  auto it = k.tuples.find(std::string(sys::arch_name(arch)));
  if (it == k.tuples.end()) return p;
  for (const auto& [name, keys] : it->second) {
    const sys::SyscallInfo* info = sys::find(name);
    for (const auto& key : keys) {
      Rule r;
      r.names = {name};
      std::vector<ev::KnownCompare> compares = ev::parse_known_key(*info, key).value();  // read_known checked it
      for (const auto& c : compares) {
        uint64_t mask = c.mask & sys::arg_mask(arch, info->args[c.index].is32);
        if (mask == ~0ull)
          r.args.push_back({static_cast<unsigned>(c.index), c.value, 0, "SCMP_CMP_EQ"});
        else
          r.args.push_back({static_cast<unsigned>(c.index), mask, c.value, "SCMP_CMP_MASKED_EQ"});
      }
      p.syscalls.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace

size_t Known::tuple_count() const {
  size_t n = 0;
  for (const auto& [arch, calls] : tuples)
    for (const auto& [name, keys] : calls) n += keys.size();
  return n;
}

Known read_known(const std::string& file, std::span<const sys::Arch> arches) {
  std::string text = read_file(file);
  size_t first = text.find_first_not_of(" \t\r\n");
  nlohmann::json j;
  if (first != std::string::npos && text[first] == '{') j = parse_json_text(text, file);
  Known k;
  if (ev::is_evidence(j))
    known_from_evidence(ev::from_json(j, file), k);
  else
    known_from_profile(parse_profile_text(text, file), arches, k);
  // Keep what a filter for `arches` can compare: keys of those arches, of syscalls that exist
  // there, with values the recorder could record there.
  Known out;
  out.names = std::move(k.names);
  for (sys::Arch a : arches)
    if (k.arches.count(std::string(sys::arch_name(a)))) out.arches.insert(std::string(sys::arch_name(a)));
  for (sys::Arch a : arches) {
    auto it = k.tuples.find(std::string(sys::arch_name(a)));
    if (it == k.tuples.end()) continue;
    for (const auto& [name, keys] : it->second) {
      const sys::SyscallInfo* info = sys::find(name);
      if (!info->exists_on(a) || comparable_args(*info).empty()) continue;
      for (const auto& key : keys)
        if (can_match(*info, key, a)) out.tuples[it->first][name].insert(key);
    }
  }
  return out;
}

KnownFilter known_filter(const Known& known, std::span<const sys::Arch> arches) {
  KnownFilter out;
  out.used = known;
  CompileOptions opts;
  opts.binary_tree = true;
  while (true) {
    std::vector<Profile> profiles;
    for (sys::Arch a : arches) profiles.push_back(arch_profile(out.used, a));
    std::vector<ArchProfile> parts;
    for (size_t i = 0; i < arches.size(); ++i) parts.push_back({arches[i], &profiles[i]});
    Compiled c = compile_per_arch(parts, opts, "the --known recording filter");
    out.bpf = export_bpf(c.ctx.get());
    if (out.bpf.size() / sizeof(sock_filter) <= BPF_MAXINSNS || out.used.tuples.empty()) return out;
    // Too large for the kernel: the syscall with the most rules stops again.
    std::string arch, name;
    size_t most = 0;
    for (const auto& [a, calls] : out.used.tuples)
      for (const auto& [n, keys] : calls)
        if (keys.size() > most) {
          arch = a;
          name = n;
          most = keys.size();
        }
    out.dropped += most;
    out.dropped_syscalls.push_back(fmt::format("{} {}", arch, name));
    out.used.tuples[arch].erase(name);
    if (out.used.tuples[arch].empty()) out.used.tuples.erase(arch);
  }
}

}  // namespace syscribe::gen
