#include "tracer/aggregate.h"

#include <fmt/format.h>

#include "tracer/phase_clock.h"

namespace syscribe::tracer {

namespace {

constexpr uint64_t kDirectLimit = 2048;

size_t arch_index(sys::Arch a) { return static_cast<size_t>(a); }

}  // namespace

Identity& Aggregator::identity(const std::string& exe, const std::string& comm) {
  auto& slot = ids_[{exe, comm}];
  if (!slot) {
    slot = std::make_unique<Identity>();
    slot->exe = exe;
    slot->comm = comm;
  }
  return *slot;
}

Counter* Aggregator::make_counter(sys::Arch arch, uint64_t nr) {
  auto c = new Counter;
  c->info = sys::find(arch, static_cast<int64_t>(nr));
  if (c->info) {
    for (size_t i = 0; i < c->info->args.size() && i < 6; ++i) {
      const sys::ArgInfo& a = c->info->args[i];
      if (a.use == sys::ArgUse::none) continue;
      ArgSlot s;
      s.index = static_cast<int>(i);
      s.name = a.name;
      s.is_string = is_string_kind(a.kind);
      s.is32 = sys::is_32bit(a.kind, a.is32);
      c->slots.push_back(std::move(s));
    }
    std::vector<size_t> t = ev::tuple_args(*c->info);
    if (t.size() >= 2)
      for (size_t i : t)
        c->tuple_slots.emplace_back(static_cast<int>(i), sys::is_32bit(c->info->args[i].kind, c->info->args[i].is32));
  }
  // Distinct syscalls over the whole recording, for progress and the summary.
  size_t ai = arch_index(arch);
  uint64_t key = arch == sys::Arch::x32 ? (nr & ~sys::kX32SyscallBit) : nr;
  if (key < kDirectLimit) {
    auto& seen = seen_[ai];
    if (seen.size() <= key) seen.resize(key + 1);
    if (!seen[key]) {
      seen[key] = true;
      ++distinct_;
    }
  } else if (seen_far_[ai].insert(key).second) {
    ++distinct_;
  }
  return c;
}

Counter& Aggregator::counter(Identity& id, uint32_t phase, sys::Arch arch, uint64_t nr) {
  uint64_t key = arch == sys::Arch::x32 ? (nr & ~sys::kX32SyscallBit) : nr;
  size_t ai = arch_index(arch);
  if (key < kDirectLimit) {
    if (id.table.size() <= phase) id.table.resize(phase + 1);
    auto& row = id.table[phase][ai];
    if (row.size() <= key) row.resize(key + 1);
    auto& c = row[key];
    if (!c) c.reset(make_counter(arch, nr));
    return *c;
  }
  auto& c = id.far[{phase, ai, key}];
  if (!c) c.reset(make_counter(arch, nr));
  return *c;
}

Counter& Aggregator::record(Identity& id, uint32_t phase, const SyscallStop& stop, double now, pid_t tid,
                            const PrereadStrings* pre) {
  Counter& c = counter(id, phase, stop.arch, stop.nr);
  if (c.count++ == 0) c.first = now;
  c.last = now;
  ++total_;
  for (ArgSlot& s : c.slots) {
    uint64_t raw = stop.args[static_cast<size_t>(s.index)];
    if (s.is_string) {
      if (pre) {
        ++s.strings[(*pre)[static_cast<size_t>(s.index)]];
      } else {
        std::string text;
        read_tracee_string(tid, raw, text);
        ++s.strings[text];
      }
    } else {
      ++s.numbers[arg_value(stop, raw, s.is32)];
    }
  }
  if (!c.tuple_slots.empty()) {
    std::array<uint64_t, 6> t{};
    for (size_t i = 0; i < c.tuple_slots.size(); ++i)
      t[i] = arg_value(stop, stop.args[static_cast<size_t>(c.tuple_slots[i].first)], c.tuple_slots[i].second);
    ++c.tuples[t];
  }
  return c;
}

void Aggregator::preread(const SyscallStop& stop, pid_t tid, PrereadStrings& out) {
  const sys::SyscallInfo* info = sys::find(stop.arch, static_cast<int64_t>(stop.nr));
  if (!info) return;
  for (size_t i = 0; i < info->args.size() && i < 6; ++i)
    if (info->args[i].use != sys::ArgUse::none && is_string_kind(info->args[i].kind))
      read_tracee_string(tid, stop.args[i], out[i]);
}

std::map<std::string, size_t> Aggregator::distinct_per_arch() const {
  std::map<std::string, size_t> out;
  for (sys::Arch a : sys::kAllArches) {
    size_t n = seen_far_[arch_index(a)].size();
    for (bool b : seen_[arch_index(a)]) n += b;
    if (n) out[std::string(sys::arch_name(a))] = n;
  }
  return out;
}

namespace {

void export_counter(const Counter& c, sys::Arch arch, uint64_t key, ev::SyscallMap& into) {
  if (c.count == 0) return;
  std::string name = c.info ? std::string(c.info->name) : fmt::format("#{}", key);
  ev::SyscallStats& st = into[std::string(sys::arch_name(arch))][name];
  ev::SyscallStats mine;
  mine.count = c.count;
  mine.first = c.first;
  mine.last = c.last;
  for (const ArgSlot& s : c.slots) {
    auto& values = mine.args[std::string(s.name)];
    for (const auto& [v, n] : s.numbers) values[fmt::format("0x{:x}", v)] += n;
    for (const auto& [v, n] : s.strings) values[v] += n;
  }
  for (const auto& [t, n] : c.tuples)
    mine.tuples[ev::tuple_key(*c.info, std::vector<uint64_t>(t.begin(), t.begin() + c.tuple_slots.size()))] += n;
  for (const auto& [e, n] : c.errors) mine.errors[sys::errno_name(e)] += n;
  mine.stack = c.stack;
  ev::merge_stats(st, mine);
}

}  // namespace

ev::Evidence Aggregator::to_evidence(const PhaseClock& clock) const {
  ev::Evidence out;
  for (const auto& [key, id] : ids_) {
    ev::Process p;
    p.exe = id->exe;
    p.comm = id->comm;
    p.instances = id->instances;
    p.argvs = id->argvs;
    p.parent_chains = id->parent_chains;
    for (size_t ph = 0; ph < id->table.size(); ++ph) {
      for (sys::Arch a : sys::kAllArches) {
        const auto& row = id->table[ph][arch_index(a)];
        for (size_t nr = 0; nr < row.size(); ++nr)
          if (row[nr]) export_counter(*row[nr], a, nr, p.phases[clock.name(static_cast<uint32_t>(ph))]);
      }
    }
    for (const auto& [k, c] : id->far) {
      auto [ph, ai, nr] = k;
      export_counter(*c, sys::kAllArches[ai], nr, p.phases[clock.name(ph)]);
    }
    // Phases with no syscall still say the process existed in them.
    if (p.phases.empty() && p.instances == 0) continue;
    out.processes[key] = std::move(p);
  }
  return out;
}

}  // namespace syscribe::tracer
