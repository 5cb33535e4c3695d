// The runtime tail pass: the syscalls a container runtime (runc, crun) makes after it has
// loaded the filter and before the workload's exec, from syscalls-tables/runtime-tails.tsv.
// Each row's measured argument values join the entry's filter; a row without them (or with
// other arguments than the workload's filter) widens, labelled.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/tsv.h"
#include "generator/arg_filters.h"
#include "generator/passes/passes.h"

namespace syscribe::gen {

extern const char* const kRuntimeTailsTsv;  // runtime-tails.tsv, embedded at build time

namespace {

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

}  // namespace

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
    ArgFilter f{std::string(a.name), static_cast<unsigned>(idx), a.use, filter_mask(a), {}, {}};
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

void pass_runtime_tail(PolicyBuild& b) {
  const PolicyOptions& opts = b.opts;
  if (opts.runtime == "none") return;
  for (const auto& row : tail_rows(opts.runtime_tails)) {
    if (row.runtime != opts.runtime) continue;
    const std::string& name = row.syscall;
    const sys::SyscallInfo* info = sys::find(name);
    if (!info) {
      b.pol.warnings.push_back(fmt::format("runtime-tails.tsv: unknown syscall {} for {}", name, opts.runtime));
      continue;
    }
    bool is_new = !b.entries.count(name);
    PolicyEntry& e = b.entry(name);
    add_source(e, Origin::runtime_tail, fmt::format("{}: {}", opts.runtime, row.note.empty() ? "measured" : row.note));
    auto tail = opts.arg_filters ? tail_filter(*info, row.args, fmt::format("runtime-tails.tsv: {} {}", opts.runtime, name))
                                 : std::nullopt;
    if (tail && (is_new || !e.filters.empty())) {
      if (is_new) {
        e.filters = std::move(tail->first);
        e.tuples = std::move(tail->second);
      } else {
        merge_filter(e, tail->first, tail->second, b.pol.warnings);
      }
    } else if (!tail && !ev::tuple_args(*info).empty() && opts.arg_filters && (is_new || !e.filters.empty())) {
      std::string why = fmt::format("the {} tail's arguments are not measured: any arguments allowed", opts.runtime);
      b.pol.warnings.push_back(fmt::format("{}: widened: {}", name, why));
      add_source(e, Origin::widened, why);
      e.filters.clear();
      e.tuples.clear();
    }
  }
}

}  // namespace syscribe::gen
