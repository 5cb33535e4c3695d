// syscribe syscalls: name <-> number lookup on every arch (what ausyscall and
// scmp_sys_resolver do), and listings by category and risk.
#include <algorithm>
#include <iostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "core/error.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::cli {

namespace {

using sys::Arch;
using sys::SyscallInfo;

Arch arch_option(const po::variables_map& vm) {
  if (!vm.count("arch")) return sys::host_arch();
  const auto& text = vm["arch"].as<std::string>();
  auto a = sys::parse_arch(text);
  if (!a) {
    std::vector<std::string_view> names;
    for (Arch k : sys::kAllArches) names.push_back(sys::arch_name(k));
    throw usage_error(fmt::format("unknown architecture '{}' (known: {})", text, fmt::join(names, ", ")));
  }
  return *a;
}

// A syscall number as operators type it: decimal, or hex with 0x (audit logs print
// decimal, x32 numbers are easier in hex). Leading zeros are not octal.
std::optional<int64_t> as_number(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (base == 16 && c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * base + d;
  }
  return negative ? -v : v;
}

// Numbers past the ordinary range (x32's bit, ARM's private 0xf0000+) read better in hex too.
std::string show_number(int32_t nr) {
  return nr >= 0x10000 ? fmt::format("{} ({:#x})", nr, nr) : std::to_string(nr);
}

std::string_view use_name(sys::ArgUse use) {
  switch (use) {
    case sys::ArgUse::none: return "none";
    case sys::ArgUse::record: return "record";
    case sys::ArgUse::eq: return "eq";
    case sys::ArgUse::mask: return "mask";
  }
  return "?";
}

std::string_view kind_name(sys::ArgKind kind) {
  switch (kind) {
    case sys::ArgKind::fd: return "fd";
    case sys::ArgKind::path: return "path";
    case sys::ArgKind::str: return "str";
    case sys::ArgKind::int32: return "int";
    case sys::ArgKind::uint32: return "uint";
    case sys::ArgKind::int64: return "long";
    case sys::ArgKind::uint64: return "ulong";
    case sys::ArgKind::ptr: return "ptr";
    case sys::ArgKind::pid: return "pid";
    case sys::ArgKind::uid: return "uid";
    case sys::ArgKind::mode: return "mode";
    case sys::ArgKind::flags: return "flags";
    case sys::ArgKind::enumval: return "enum";
  }
  return "?";
}

nlohmann::json syscall_json(const SyscallInfo& s) {
  nlohmann::json numbers = nlohmann::json::object();
  for (Arch a : sys::kAllArches)
    if (s.exists_on(a)) numbers[std::string(sys::arch_name(a))] = s.number(a);
  nlohmann::json args = nlohmann::json::array();
  for (const auto& a : s.args) {
    nlohmann::json arg = {{"name", a.name}, {"kind", kind_name(a.kind)}, {"is32", a.is32}, {"use", use_name(a.use)}};
    if (!a.xlat.empty()) arg["values"] = a.xlat;
    if (a.use == sys::ArgUse::mask) arg["mask"] = fmt::format("{:#x}", a.mask);
    args.push_back(arg);
  }
  nlohmann::json eq = nlohmann::json::array();
  for (auto e : s.equivalents) eq.push_back(std::string(e));
  return {{"name", s.name},   {"numbers", numbers}, {"category", s.category}, {"risk", sys::risk_name(s.risk)},
          {"reason", s.reason}, {"args", args},     {"equivalents", eq}};
}

// The categories the table uses, for --category's error message.
std::set<std::string_view> known_categories() {
  std::set<std::string_view> out;
  for (const auto& s : sys::all_syscalls()) out.insert(s.category);
  return out;
}

int list_syscalls(const po::variables_map& vm, Arch arch, bool json_out) {
  std::optional<sys::Risk> min_risk;
  if (vm.count("risk")) {
    const auto& text = vm["risk"].as<std::string>();
    min_risk = sys::parse_risk(text);
    if (!min_risk) throw usage_error(fmt::format("unknown risk '{}' (low, medium, high, critical)", text));
  }
  std::string category = vm.count("category") ? vm["category"].as<std::string>() : "";
  if (!category.empty() && !known_categories().count(category))
    throw usage_error(fmt::format("unknown category '{}' (known: {})", category, fmt::join(known_categories(), ", ")));
  bool every_arch = vm.count("all") > 0;

  std::vector<const SyscallInfo*> rows;
  for (const auto& s : sys::all_syscalls()) {
    if (!every_arch && !s.exists_on(arch)) continue;
    if (!category.empty() && s.category != category) continue;
    if (min_risk && s.risk < *min_risk) continue;
    rows.push_back(&s);
  }
  if (json_out) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto* s : rows) arr.push_back(syscall_json(*s));
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  size_t name_width = 4;
  for (const auto* s : rows) name_width = std::max(name_width, s->name.size());
  std::string nr_title = fmt::format("NR({})", sys::arch_name(arch));
  size_t nr_width = std::max<size_t>(nr_title.size(), arch == Arch::x32 ? 10 : 6);
  std::cout << fmt::format("{:<{}}  {:>{}}  {:<10}  {:<8}  {}\n", "NAME", name_width, nr_title, nr_width, "CATEGORY",
                           "RISK", "REASON");
  for (const auto* s : rows) {
    std::string nr = s->exists_on(arch) ? std::to_string(s->number(arch)) : "-";
    std::cout << fmt::format("{:<{}}  {:>{}}  {:<10}  {:<8}  {}\n", s->name, name_width, nr, nr_width, s->category,
                             sys::risk_name(s->risk), s->reason);
  }
  return 0;
}

void print_every_arch(const SyscallInfo& s) {
  std::cout << fmt::format("{}  ({}, {} risk: {})\n", s.name, s.category, sys::risk_name(s.risk), s.reason);
  for (Arch a : sys::kAllArches) {
    if (s.exists_on(a))
      std::cout << fmt::format("  {:<12}{}\n", sys::arch_name(a), show_number(s.number(a)));
    else if (s.equivalents.empty())
      std::cout << fmt::format("  {:<12}-\n", sys::arch_name(a));
    else
      std::cout << fmt::format("  {:<12}-  (use {})\n", sys::arch_name(a), fmt::join(s.equivalents, ", "));
  }
}

}  // namespace

int cmd_syscalls(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("arch,a", po::value<std::string>(), "architecture (default: the host's); also SCMP_ARCH_* and amd64, arm64, ...")
      ("all", "show the syscall on every architecture; with --list, list syscalls of every arch")
      ("list", "list syscalls (with --category, --risk)")
      ("category", po::value<std::string>(), "only this category (file, network, process, privileged, ...)")
      ("risk", po::value<std::string>(), "only this risk level or higher (low, medium, high, critical)")
      ("json", "machine-readable output");
  auto p = parse_args("syscalls",
                      "syscribe syscalls [--arch ARCH] [--all] [--json] NAME|NUMBER...\n"
                      "       syscribe syscalls --list [--arch ARCH] [--all] [--category C] [--risk R] [--json]",
                      "A NAME prints its number on the arch, a NUMBER (decimal or 0x hex) its name.\n"
                      "x32 numbers may be given with or without the x32 bit (0x40000000).\n\n"
                      "Examples:\n  syscribe syscalls 157 --arch x86_64     # prctl\n"
                      "  syscribe syscalls openat --arch aarch64  # 56\n  syscribe syscalls --all clone3\n"
                      "  syscribe syscalls --list --risk high\n",
                      opts, args);
  if (p.help) return 0;
  Arch arch = arch_option(p.vm);
  bool json_out = p.vm.count("json") > 0;

  if (p.vm.count("list")) {
    if (!p.positional.empty()) throw usage_error("--list takes no syscall names or numbers");
    return list_syscalls(p.vm, arch, json_out);
  }
  if (p.vm.count("category") || p.vm.count("risk")) throw usage_error("--category and --risk go with --list");
  if (p.positional.empty()) throw usage_error("give a syscall name or number, or --list");

  nlohmann::json arr = nlohmann::json::array();
  for (const auto& q : p.positional) {
    const SyscallInfo* s = nullptr;
    auto n = as_number(q);
    if (n) {
      s = sys::find(arch, *n);
      if (!s) throw usage_error(fmt::format("no syscall number {} on {}", q, sys::arch_name(arch)));
    } else {
      s = sys::find(q);
      if (!s) throw usage_error(fmt::format("unknown syscall '{}'", q));
    }
    if (json_out) {
      arr.push_back(syscall_json(*s));
    } else if (p.vm.count("all")) {
      print_every_arch(*s);
    } else if (n) {
      std::cout << s->name << "\n";
    } else {
      if (!s->exists_on(arch))
        throw usage_error(fmt::format("{} does not exist on {}{}", s->name, sys::arch_name(arch),
                                      s->equivalents.empty() ? ""
                                                             : fmt::format(" (use {})", fmt::join(s->equivalents, ", "))));
      std::cout << s->number(arch) << "\n";
    }
  }
  if (json_out) std::cout << arr.dump(2) << "\n";
  return 0;
}

}  // namespace syscribe::cli
