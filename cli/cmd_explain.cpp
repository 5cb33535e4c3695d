// syscribe explain: decodes kernel audit records of seccomp events (what a profile
// denied or logged) with each record's own arch, summarises them, turns them into
// evidence, and says which profile rule is missing.
#include <linux/seccomp.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/audit_log.h"
#include "generator/compile.h"
#include "generator/profile.h"

namespace syscribe::cli {

namespace {

using audit::SeccompEvent;

// Events of one (exe, arch, syscall, action).
struct Group {
  std::string exe;
  std::string arch;
  std::string syscall;
  std::string action;
  std::set<std::string> comms;
  std::set<int64_t> pids;
  size_t count = 0;
  const SeccompEvent* first = nullptr;
};

using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;

std::map<GroupKey, Group> group_events(const std::vector<SeccompEvent>& events) {
  std::map<GroupKey, Group> groups;
  for (const auto& e : events) {
    std::string arch(sys::arch_name(e.arch));
    const std::string& action = e.action;
    Group& g = groups[{e.exe, arch, e.syscall_name(), action}];
    if (!g.first) {
      g = Group{e.exe, arch, e.syscall_name(), action, {}, {}, 0, &e};
    }
    g.comms.insert(e.comm);
    g.pids.insert(e.pid);
    ++g.count;
  }
  return groups;
}

std::string pid_list(const std::set<int64_t>& pids) {
  constexpr size_t kShown = 5;
  std::vector<std::string> shown;
  for (int64_t p : pids) {
    if (shown.size() == kShown) break;
    shown.push_back(std::to_string(p));
  }
  std::string text = fmt::format("{}", fmt::join(shown, ","));
  if (pids.size() > kShown) text += fmt::format(",... ({} pids)", pids.size());
  return text;
}

nlohmann::json event_json(const SeccompEvent& e) {
  nlohmann::json j = {
      {"file", e.file},
      {"line", e.line},
      {"pid", e.pid},
      {"uid", e.uid},
      {"auid", e.auid},
      {"ses", e.ses},
      {"comm", e.comm},
      {"exe", e.exe},
      {"sig", e.sig},
      {"arch", sys::arch_name(e.arch)},
      {"audit_arch", fmt::format("{:#x}", e.audit_arch)},
      {"nr", e.nr},
      {"syscall", e.syscall_name()},
      {"compat", e.compat},
      {"ip", fmt::format("{:#x}", e.ip)},
      {"code", fmt::format("{:#x}", e.code)},
      {"action", e.action},
  };
  if (e.time) j["time"] = *e.time;
  if (auto err = audit::errno_of(e.code)) j["errno"] = sys::errno_name(*err);
  return j;
}

// What a profile says about one (arch, syscall): the kernel's answer from the compiled
// filter, and in words which rule decided it or is missing.
struct Verdict {
  std::string status;  // "allowed", "denied", "depends on arguments"
  std::string action;  // the filter's SCMP_ACT_* answer for the call with all-zero arguments
  std::string why;
};

Verdict judge(const gen::Profile& prof, const gen::Evaluator& eval, const SeccompEvent& e, sys::Arch host) {
  Verdict v;
  std::string name = e.syscall_name();
  std::string arch(sys::arch_name(e.arch));
  const auto& arches = eval.arches();
  uint32_t ret = eval.evaluate(e.arch, e.nr);
  v.action = gen::describe_action(ret);
  uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
  bool allowed = act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
  v.status = allowed ? "allowed" : "denied";
  if (std::find(arches.begin(), arches.end(), e.arch) == arches.end()) {
    v.why = fmt::format("arch {} is not in the profile: the kernel kills any {} call; add {} to "
                        "\"architectures\" only if the workload really runs {} code",
                        arch, arch, sys::scmp_arch_name(e.arch), arch);
    return v;
  }
  // The rules that name this syscall and apply on this host, in file order.
  std::vector<size_t> naming;
  for (size_t i = 0; i < prof.syscalls.size(); ++i) {
    const auto& r = prof.syscalls[i];
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end() && gen::rule_applies(r, host, {}))
      naming.push_back(i);
  }
  if (naming.empty()) {
    v.why = allowed ? fmt::format("allowed by the default action {}", gen::action_name(prof.default_action))
                    : fmt::format("no rule names {}; the default action {} applies. Missing rule: "
                                  "{{\"names\": [\"{}\"], \"action\": \"{}\"}}",
                                  name, gen::action_name(prof.default_action), name, gen::action_name(gen::Action::allow));
    return v;
  }
  for (size_t i : naming) {
    const auto& r = prof.syscalls[i];
    if (!r.args.empty()) {
      v.status = "depends on arguments";
      v.why = fmt::format("rule {} ({}) applies only for some argument values; audit records carry no "
                          "arguments, so check them with `syscribe run --complain`", i, gen::action_name(r.action));
      return v;
    }
  }
  const auto& r = prof.syscalls[naming.front()];
  v.why = allowed ? fmt::format("allowed by rule {} ({})", naming.front(), gen::action_name(r.action))
                  : fmt::format("rule {} denies it on purpose ({}); change that rule if the workload needs it",
                                naming.front(), gen::action_name(r.action));
  return v;
}

}  // namespace

int cmd_explain(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("json", "machine-readable output: every event and the summary")
      ("events", "list every event, not only the summary")
      ("evidence", po::value<std::string>(), "write the events as evidence (phase \"audit\") to this file")
      ("profile", po::value<std::string>(), "say for each event whether this profile (OCI, Docker, SPO) allows it")
      ("quiet,q", "no warnings about skipped lines");
  auto p = parse_args("explain", "syscribe explain [--json] [--events] [--evidence OUT] [--profile PROFILE] [FILE...]",
                      "Reads kernel audit records of seccomp events (type=1326 / SECCOMP) from FILEs\n"
                      "or stdin: dmesg, /var/log/audit/audit.log, `ausearch -i`, journalctl or syslog\n"
                      "text. Each syscall is decoded with the record's own arch, so an i386 (int 0x80)\n"
                      "event on an x86_64 host names the i386 syscall. Other lines are skipped.\n\n"
                      "Examples:\n  dmesg | syscribe explain\n"
                      "  syscribe explain /var/log/audit/audit.log --evidence denied.json\n",
                      opts, args);
  if (p.help) return 0;
  bool json_out = p.vm.count("json") > 0;
  bool quiet = p.vm.count("quiet") > 0;
  std::vector<std::string> files = p.positional;
  if (files.empty()) files.push_back("-");
  if (p.vm.count("evidence")) check_writable(p.vm["evidence"].as<std::string>());
  std::optional<gen::Profile> profile;
  std::optional<gen::Evaluator> evaluator;
  sys::Arch host = sys::host_arch();
  if (p.vm.count("profile")) {
    const auto& path = p.vm["profile"].as<std::string>();
    profile = gen::read_profile(path);
    gen::CompileOptions copts;
    copts.host = host;
    evaluator.emplace(*profile, copts, path);
  }

  std::vector<SeccompEvent> events;
  std::vector<std::string> names;
  for (const auto& f : files) {
    std::string name = f == "-" ? "<stdin>" : f;
    names.push_back(name);
    audit::ParsedLog log = audit::parse_log(read_file(f), name);
    if (!quiet && log.not_audit > 0)
      std::cerr << fmt::format("syscribe explain: {}: skipped {} line{} that {} no audit record (first: line {})\n",
                               name, log.not_audit, log.not_audit == 1 ? "" : "s",
                               log.not_audit == 1 ? "is" : "are", log.first_not_audit);
    if (!quiet && log.suppressed)
      std::cerr << fmt::format("syscribe explain: {}: the kernel dropped or rate-limited audit records; "
                               "counts may be low (run auditd to keep them all)\n", name);
    for (auto& e : log.events) events.push_back(std::move(e));
  }

  if (p.vm.count("evidence"))
    ev::write_evidence(p.vm["evidence"].as<std::string>(), audit::to_evidence(events, names));

  auto groups = group_events(events);
  if (json_out) {
    nlohmann::json evs = nlohmann::json::array();
    for (const auto& e : events) evs.push_back(event_json(e));
    nlohmann::json summary = nlohmann::json::array();
    for (const auto& [key, g] : groups) {
      nlohmann::json row = {{"exe", g.exe},     {"comms", g.comms}, {"arch", g.arch}, {"syscall", g.syscall},
                            {"action", g.action}, {"count", g.count}, {"pids", g.pids}};
      if (profile) {
        Verdict v = judge(*profile, *evaluator, *g.first, host);
        row["profile"] = {{"status", v.status}, {"action", v.action}, {"why", v.why}};
      }
      summary.push_back(row);
    }
    std::cout << nlohmann::json{{"events", evs}, {"summary", summary}}.dump(2) << "\n";
    return 0;
  }

  if (p.vm.count("events")) {
    for (const auto& e : events)
      std::cout << fmt::format("{}:{}: pid {} {} ({}) {} {}({}) {}\n", e.file, e.line, e.pid, e.exe, e.comm,
                               sys::arch_name(e.arch), e.syscall_name(), e.nr, e.action);
    std::cout << "\n";
  }
  std::cout << fmt::format("{} seccomp event{} in {} file{}\n", events.size(), events.size() == 1 ? "" : "s",
                           files.size(), files.size() == 1 ? "" : "s");
  if (groups.empty()) return 0;
  std::cout << fmt::format("{:>6}  {:<26}{:<8}{:<18}{}\n", "COUNT", "ACTION", "ARCH", "SYSCALL", "PROCESS (PIDS)");
  size_t not_allowed = 0;
  for (const auto& [key, g] : groups) {
    std::cout << fmt::format("{:>6}  {:<26}{:<8}{:<18}{} ({}) pids {}\n", g.count, g.action, g.arch, g.syscall,
                             g.exe, fmt::join(g.comms, ","), pid_list(g.pids));
    if (profile) {
      Verdict v = judge(*profile, *evaluator, *g.first, host);
      if (v.status != "allowed") ++not_allowed;
      std::cout << fmt::format("        profile: {} ({}): {}\n", v.status, v.action, v.why);
    }
  }
  if (profile)
    std::cout << fmt::format("\n{} of {} (exe, arch, syscall, action) group{} not allowed by {}\n", not_allowed,
                             groups.size(), groups.size() == 1 ? "" : "s", p.vm["profile"].as<std::string>());
  return 0;
}

}  // namespace syscribe::cli
