#include "generator/arg_filters.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace syscribe::gen {

uint64_t filter_mask(const sys::ArgInfo& a) {
  return a.use == sys::ArgUse::mask ? a.mask : (a.is32 ? 0xffffffffull : ~0ull);
}

std::string value_name(const sys::ArgInfo& a, uint64_t v) { return sys::decode_value(a.xlat, a.kind, v); }
std::string value_name(const sys::SyscallInfo& s, const sys::ArgInfo& a, uint64_t v, const ev::SyscallStats& st) {
  std::vector<uint64_t> context;
  if (auto by = st.args.find(std::string(sys::xlat_context_arg(a.xlat))); by != st.args.end())
    for (const auto& [text, _] : by->second)
      if (auto c = sys::parse_value("", text)) context.push_back(*c);
  return sys::decode_value(s, a, v, context);
}

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
    f.mask = filter_mask(a);
    std::set<uint64_t> values;
    // Numbers: the evidence reader refuses any other value of a number argument.
    for (const auto& [text, _] : it->second) values.insert(sys::parse_value("", text).value() & f.mask);
    f.values.assign(values.begin(), values.end());
    for (uint64_t v : f.values) f.names.push_back(value_name(info, a, v, st));
    out.push_back(std::move(f));
  }
  return out;
}

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

void single_filter_tuples(PolicyEntry& e) {
  if (e.filters.size() != 1) return;
  e.tuples.clear();
  for (uint64_t v : e.filters[0].values) e.tuples.push_back({v});
}

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

std::vector<ArgFilter> closed_mask_filters(const sys::SyscallInfo& info) {
  std::vector<ArgFilter> out;
  for (size_t i = 0; i < info.args.size(); ++i) {
    const sys::ArgInfo& a = info.args[i];
    if (a.use != sys::ArgUse::mask) continue;
    out.push_back({std::string(a.name), static_cast<unsigned>(i), a.use, a.mask, {0}, {value_name(a, 0)}});
  }
  return out;
}

}  // namespace syscribe::gen
