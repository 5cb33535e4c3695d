// syscribe syscalls: name <-> number lookup on every arch (what ausyscall and
// scmp_sys_resolver do), and listings by category and risk.
#include <iostream>

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
  if (!a) throw usage_error(fmt::format("unknown architecture '{}'", text));
  return *a;
}

std::optional<int64_t> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 0);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

nlohmann::json syscall_json(const SyscallInfo& s) {
  nlohmann::json numbers = nlohmann::json::object();
  for (Arch a : sys::kAllArches)
    if (s.exists_on(a)) numbers[std::string(sys::arch_name(a))] = s.number(a);
  nlohmann::json args = nlohmann::json::array();
  for (const auto& a : s.args) args.push_back(std::string(a.name));
  nlohmann::json eq = nlohmann::json::array();
  for (auto e : s.equivalents) eq.push_back(std::string(e));
  return {{"name", s.name},   {"numbers", numbers}, {"category", s.category}, {"risk", sys::risk_name(s.risk)},
          {"reason", s.reason}, {"args", args},     {"equivalents", eq}};
}

}  // namespace

int cmd_syscalls(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("arch,a", po::value<std::string>(), "architecture (default: the host's)")
      ("all", "show the syscall on every architecture")
      ("list", "list syscalls (with --category, --risk)")
      ("category", po::value<std::string>(), "only this category (file, network, process, ...)")
      ("risk", po::value<std::string>(), "only this risk level or higher (low, medium, high, critical)")
      ("json", "machine-readable output");
  auto p = parse_args("syscalls", "syscribe syscalls [--arch ARCH] [--all] [--json] NAME|NUMBER...\n"
                                  "       syscribe syscalls --list [--arch ARCH] [--category C] [--risk R] [--json]",
                      "Examples:\n  syscribe syscalls 157 --arch x86_64     # prctl\n"
                      "  syscribe syscalls openat --arch aarch64  # 56\n  syscribe syscalls --all clone3\n",
                      opts, args);
  if (p.help) return 0;
  Arch arch = arch_option(p.vm);
  bool json_out = p.vm.count("json") > 0;

  if (p.vm.count("list")) {
    std::optional<sys::Risk> min_risk;
    if (p.vm.count("risk")) {
      min_risk = sys::parse_risk(p.vm["risk"].as<std::string>());
      if (!min_risk) throw usage_error(fmt::format("unknown risk '{}'", p.vm["risk"].as<std::string>()));
    }
    std::string category = p.vm.count("category") ? p.vm["category"].as<std::string>() : "";
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : sys::all_syscalls()) {
      if (!p.vm.count("all") && !s.exists_on(arch)) continue;
      if (!category.empty() && s.category != category) continue;
      if (min_risk && s.risk < *min_risk) continue;
      if (json_out) {
        arr.push_back(syscall_json(s));
      } else if (s.exists_on(arch)) {
        std::cout << fmt::format("{:<24}{:>6}  {:<11}{:<9}{}\n", s.name, s.number(arch), s.category,
                                 sys::risk_name(s.risk), s.reason);
      } else {
        std::cout << fmt::format("{:<24}{:>6}  {:<11}{:<9}{}\n", s.name, "-", s.category, sys::risk_name(s.risk),
                                 s.reason);
      }
    }
    if (json_out) std::cout << arr.dump(2) << "\n";
    return 0;
  }

  if (p.positional.empty()) throw usage_error("give a syscall name or number, or --list");
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& q : p.positional) {
    const SyscallInfo* s = nullptr;
    if (auto n = as_number(q)) {
      s = sys::find(arch, *n);
      if (!s) throw usage_error(fmt::format("no syscall number {} on {}", q, sys::arch_name(arch)));
    } else {
      s = sys::find(q);
      if (!s) throw usage_error(fmt::format("unknown syscall '{}'", q));
    }
    if (json_out) {
      arr.push_back(syscall_json(*s));
    } else if (p.vm.count("all")) {
      std::cout << s->name << "\n";
      for (Arch a : sys::kAllArches) {
        if (s->exists_on(a))
          std::cout << fmt::format("  {:<12}{}\n", sys::arch_name(a), s->number(a));
        else
          std::cout << fmt::format("  {:<12}-  (use: {})\n", sys::arch_name(a), fmt::join(s->equivalents, ", "));
      }
    } else if (as_number(q)) {
      std::cout << s->name << "\n";
    } else {
      if (!s->exists_on(arch))
        throw usage_error(fmt::format("{} does not exist on {}{}", s->name, sys::arch_name(arch),
                                      s->equivalents.empty() ? "" : fmt::format(" (use {})", fmt::join(s->equivalents, ", "))));
      std::cout << s->number(arch) << "\n";
    }
  }
  if (json_out) std::cout << arr.dump(2) << "\n";
  return 0;
}

}  // namespace syscribe::cli
