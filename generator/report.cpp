// The review report's content, shared by the Markdown and HTML renderers.
#include "generator/report.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace syscribe::gen {

namespace {

// Entrypoint wrappers and the tools people run inside containers to look around. A syscall
// only these made is not the application's: a reviewer may drop the helper instead.
constexpr std::string_view kShells[] = {"sh", "bash", "dash", "ash", "busybox", "zsh", "ksh", "mksh"};
constexpr std::string_view kHelpers[] = {"env",   "sleep", "cat",  "ls",     "ps",    "top",   "id",      "grep",
                                         "sed",   "awk",   "curl", "wget",   "nc",    "ncat",  "ping",    "strace",
                                         "gdb",   "ltrace", "lsof", "ss",    "netstat", "ip",  "nslookup", "dig",
                                         "true",  "false", "test", "timeout", "tail",  "head"};

std::string basename_of(const std::string& p) {
  auto s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string role_name(ProcessRole r) {
  switch (r) {
    case ProcessRole::shell: return "entrypoint shell";
    case ProcessRole::helper: return "helper tool";
    case ProcessRole::application: break;
  }
  return "application";
}

std::string process_label(const std::string& exe, const std::string& comm) {
  if (exe.empty()) return comm;
  if (comm.empty() || basename_of(exe).rfind(comm, 0) == 0) return exe;
  return fmt::format("{} (comm {})", exe, comm);
}

// An argv as a shell would read it back: words with spaces or quotes are single-quoted.
std::string shell_words(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                   "-_./=:,+@%^") == std::string::npos;
    if (plain) {
      words.push_back(a);
      continue;
    }
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    words.push_back(q + "'");
  }
  return fmt::format("{}", fmt::join(words, " "));
}

int phase_rank(const std::string& p) {
  static const std::vector<std::string> order{"startup", "serving", "reload", "shutdown"};
  auto it = std::find(order.begin(), order.end(), p);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

std::string docker_text(const DockerVerdict& v) {
  switch (v.status) {
    case DockerStatus::allowed: return "allowed";
    case DockerStatus::args_restricted: return "allowed with argument limits";
    case DockerStatus::needs_capability: return "only with " + v.detail;
    case DockerStatus::not_allowed: break;
  }
  return "not allowed";
}

// A runtime tail's note, "runc: measured: podman+runc 5/5, runc:nnp=false 1/5", in words: what
// the call is there for, and in which measured configurations the runtime made it.
std::string runtime_tail_text(const std::string& note) {
  auto colon = note.find(": ");
  std::string runtime = colon == std::string::npos ? note : note.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : note.substr(colon + 2);
  std::string out = fmt::format(
      "runtime tail: {} makes this call itself, between loading the filter and starting the workload", runtime);
  if (rest.rfind("measured: ", 0) != 0) return rest.empty() ? out : fmt::format("{} ({})", out, rest);
  std::vector<std::string> every, some;
  std::string list = rest.substr(10);
  for (size_t at = 0; at <= list.size();) {
    size_t end = list.find(", ", at);
    std::string item = list.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at = end == std::string::npos ? list.size() + 1 : end + 2;
    auto sp = item.rfind(' ');
    auto slash = item.rfind('/');
    if (sp == std::string::npos || slash == std::string::npos || slash < sp) {
      some.push_back(item);
      continue;
    }
    std::string config = item.substr(0, sp), n = item.substr(sp + 1, slash - sp - 1), m = item.substr(slash + 1);
    if (n == m) every.push_back(config);
    else some.push_back(fmt::format("{} ({} of {})", config, n, m));
  }
  std::vector<std::string> seen;
  if (!every.empty()) seen.push_back(fmt::format("in every run of {}", fmt::join(every, ", ")));
  if (!some.empty()) seen.push_back(fmt::format("in some runs of {}", fmt::join(some, ", ")));
  return fmt::format("{}. Measured {}", out, fmt::join(seen, "; "));
}

std::string origin_text(const Source& s) {
  if (s.origin == Origin::runtime_tail) return runtime_tail_text(s.note);
  return s.note.empty() ? std::string(origin_name(s.origin)) : fmt::format("{}: {}", origin_name(s.origin), s.note);
}

}  // namespace

ProcessRole process_role(const std::string& exe, const std::string& comm) {
  for (const std::string& n : {basename_of(exe), comm}) {
    if (n.empty()) continue;
    if (std::find(std::begin(kShells), std::end(kShells), n) != std::end(kShells)) return ProcessRole::shell;
    if (std::find(std::begin(kHelpers), std::end(kHelpers), n) != std::end(kHelpers)) return ProcessRole::helper;
  }
  return ProcessRole::application;
}

Report build_report(const Reviewed& r, const ReportInput& in) {
  Report rep;
  rep.input = in;
  const Policy& pol = r.policy;
  rep.default_action = action_name(pol.default_action);
  if (pol.default_errno) rep.default_action += fmt::format(" ({})", sys::errno_name(static_cast<int>(*pol.default_errno)));
  for (sys::Arch a : pol.arches) {
    std::string n(sys::arch_name(a));
    auto why = pol.arch_why.find(n);
    rep.arches.push_back({n, why == pol.arch_why.end() ? "" : why->second});
  }
  rep.runtime = r.options.runtime;
  rep.unreviewed = r.unreviewed;
  rep.warnings = pol.warnings;

  std::set<std::string> pending;
  for (const auto& u : r.unreviewed) pending.insert(u.syscall);

  // One row per entry of the profile, and one per entry review removed. An entry's evidence
  // is as recorded: decided argument values are not evidence.
  std::vector<std::pair<const PolicyEntry*, bool>> entries;  // entry, removed
  for (const auto& e : pol.entries) entries.push_back({&e, false});
  for (const auto& e : r.removed)
    if (e.action == Action::allow) entries.push_back({&e, true});
  for (const auto& [eptr, removed] : entries) {
    const PolicyEntry& e = *eptr;
    ReportRow row;
    row.syscall = e.syscall;
    row.risk = sys::risk_name(e.risk);
    row.risk_reason = e.reason;
    row.category = e.category;
    row.count = e.count;
    std::set<ProcessRole> roles;
    for (const auto& p : e.processes) {
      row.processes.push_back(fmt::format("{} ({})", process_label(p.exe, p.comm), p.count));
      roles.insert(process_role(p.exe, p.comm));
      if (!p.stack.empty()) rep.call_sites.push_back({e.syscall, process_label(p.exe, p.comm), stack_text(p.stack, 10)});
    }
    if (!roles.empty() && !roles.count(ProcessRole::application))
      row.only_by = roles.count(ProcessRole::helper) ? (roles.size() == 1 ? "helper tool" : "shell or helper tool")
                                                       : "entrypoint shell";
    row.phases.assign(e.phases.begin(), e.phases.end());
    std::sort(row.phases.begin(), row.phases.end(),
              [](const auto& a, const auto& b) { return std::pair(phase_rank(a), a) < std::pair(phase_rank(b), b); });
    for (const auto& [arg, values] : e.arg_values) {
      std::vector<std::string> vs;
      for (const auto& [v, n] : values) vs.push_back(fmt::format("{} ×{}", v, n));
      row.arg_values.push_back(fmt::format("{}: {}", arg, fmt::join(vs, ", ")));
    }
    if (!removed)
      for (const auto& f : e.filters) row.filters.push_back(filter_text(e.syscall, f));
    for (const auto& s : e.sources) row.origins.push_back(origin_text(s));
    if (removed) row.action = "removed (denied)";
    else if (e.action == Action::allow) row.action = "allow";
    else if (e.errno_ret) row.action = sys::errno_name(static_cast<int>(*e.errno_ret));
    else row.action = action_name(e.action);

    const Verdict* v = r.verdict(e.syscall);
    if (v) {
      row.decision = v->denied ? "deny" : "allow";
      std::vector<std::string> why;
      for (size_t i : v->applied) {
        const Decision& d = r.decisions.list[i];
        std::string who = d.by.empty() ? "" : " — " + d.by;
        if (!d.date.empty()) who += ", " + d.date;
        std::string scope;
        if (!d.process.empty()) scope += " [process " + d.process + "]";
        if (!d.phase.empty()) scope += " [phase " + d.phase + "]";
        why.push_back(fmt::format("{}{}{}", d.reason, scope, who));
      }
      if (!v->note.empty()) why.push_back(v->note);
      row.decision_reason = fmt::format("{}", fmt::join(why, "; "));
    } else if (pending.count(e.syscall)) {
      row.decision = "needed";
      for (const auto& u : r.unreviewed)
        if (u.syscall == e.syscall) row.decision_reason = "no decision covers " + uses_text(u.uses);
    } else if (is_high_risk(e.risk) && e.action == Action::allow) {
      row.decision = "not needed";
      std::vector<std::string> why;
      for (const auto& s : e.sources) why.push_back(std::string(origin_name(s.origin)));
      row.decision_reason = fmt::format("added as {}, not made by the workload", fmt::join(why, ", "));
    }
    row.docker = docker_text(docker_default_status(e.syscall, pol.arches));
    if (!removed && e.action == Action::allow) ++rep.allowed;
    rep.rows.push_back(std::move(row));
  }
  std::sort(rep.rows.begin(), rep.rows.end(), [](const ReportRow& a, const ReportRow& b) {
    auto rank = [](const std::string& risk) { return -static_cast<int>(sys::parse_risk(risk).value_or(sys::Risk::low)); };
    return std::pair(rank(a.risk), a.syscall) < std::pair(rank(b.risk), b.syscall);
  });

  // Notes about one syscall ("capget: added for the runc runtime tail") say what its row's
  // Origin and Decision already say; the others stay.
  std::set<std::string> in_rows;
  for (const auto& row : rep.rows) in_rows.insert(row.syscall);
  for (const auto& n : pol.notes) {
    auto colon = n.find(": ");
    if (colon == std::string::npos || !in_rows.count(n.substr(0, colon))) rep.notes.push_back(n);
  }

  // The process x phase matrix, from the evidence as recorded.
  std::set<std::string> phases;
  std::map<ev::ProcessKey, std::map<std::string, MatrixCell>> cells;
  for (const PolicyEntry* e : r.built_entries())
    for (const auto& p : e->processes)
      for (const auto& ph : p.phases) {
        phases.insert(ph);
        MatrixCell& c = cells[{p.exe, p.comm}][ph];
        ++c.syscalls;
        if (is_high_risk(e->risk)) c.high_risk.push_back(e->syscall);
      }
  rep.phases.assign(phases.begin(), phases.end());
  std::sort(rep.phases.begin(), rep.phases.end(),
            [](const auto& a, const auto& b) { return std::pair(phase_rank(a), a) < std::pair(phase_rank(b), b); });
  for (const auto& [key, by_phase] : cells) {
    MatrixRow mr;
    mr.process = process_label(key.first, key.second);
    mr.role = role_name(process_role(key.first, key.second));
    for (const auto& ph : rep.phases) {
      auto it = by_phase.find(ph);
      mr.cells.push_back(it == by_phase.end() ? MatrixCell{} : it->second);
    }
    rep.matrix.push_back(std::move(mr));
  }

  if (in.merged)
    for (const auto& [key, p] : in.merged->processes) {
      ProcessLine l;
      l.process = process_label(key.first, key.second);
      l.role = role_name(process_role(key.first, key.second));
      l.instances = p.instances;
      for (const auto& a : p.argvs) l.argvs.push_back(shell_words(a));
      for (const auto& chain : p.parent_chains)
        l.parents.push_back(chain.empty() ? "(none recorded)" : fmt::format("{}", fmt::join(chain, " ← ")));
      rep.process_lines.push_back(std::move(l));
    }

  rep.decisions_file = r.decisions.file;
  for (size_t i = 0; i < r.decisions.list.size(); ++i) {
    const Decision& d = r.decisions.list[i];
    Report::DecisionLine l{d.at.str(), d.syscall, d.allow ? "allow" : "deny", "", d.reason, d.by, d.date, "applied"};
    std::vector<std::string> scope;
    if (!d.process.empty()) scope.push_back("process " + d.process);
    if (!d.phase.empty()) scope.push_back("phase " + d.phase);
    for (const auto& a : d.args) scope.push_back(fmt::format("{} only {}", a.name, fmt::join(a.texts, ", ")));
    l.scope = fmt::format("{}", fmt::join(scope, "; "));
    for (const auto& s : r.stale)
      if (s.decision == i) l.status = "stale: " + s.why;
    rep.decisions.push_back(std::move(l));
  }

  // Against Docker's default profile.
  std::set<std::string> allowed;
  for (const auto& e : pol.entries)
    if (e.action == Action::allow) allowed.insert(e.syscall);
  for (const auto& name : allowed) {
    DockerVerdict v = docker_default_status(name, pol.arches);
    if (v.status == DockerStatus::needs_capability || v.status == DockerStatus::not_allowed)
      rep.beyond_docker.push_back({name, docker_text(v)});
  }
  for (const auto& name : docker_default_allowed(pol.arches)) {
    const sys::SyscallInfo* s = sys::find(name);
    bool on_arch = s && std::any_of(pol.arches.begin(), pol.arches.end(), [&](sys::Arch a) { return s->exists_on(a); });
    if (on_arch && !allowed.count(name)) rep.removed_from_docker.push_back(name);
  }
  return rep;
}

std::string runtime_tail_intro(const Report& rep) {
  if (rep.runtime.empty() || rep.runtime == "none") return "";
  return fmt::format(
      "Runtime tail: {0} makes a few syscalls itself, under the container's filter, between loading it and starting "
      "the workload; a profile recorded outside a container lacks them, so they are added and marked. They were "
      "measured (syscalls-tables/runtime-tails.tsv) in these configurations: podman+{0} (podman running a container "
      "with {0}), podman-exec+{0} (podman exec into a running one), {0}:nnp=false and {0}:nnp=true ({0} with "
      "noNewPrivileges off and on), {0}:user=1000 ({0} running the workload as user 1000).",
      rep.runtime);
}

std::string no_decisions_text(const Report& rep) {
  if (rep.decisions_file.empty()) return "No decisions file was given (generate --review FILE).";
  return fmt::format("The decisions file {} was given and holds no decisions.", rep.decisions_file);
}

std::string review_check_json(const Reviewed& r, const std::vector<std::string>& evidence) {
  using oj = nlohmann::ordered_json;
  oj j;
  j["format"] = "syscribe-review-check";
  j["version"] = 1;
  j["evidence"] = evidence;
  j["review"] = r.decisions.file.empty() ? oj() : oj(r.decisions.file);
  j["ok"] = r.unreviewed.empty();
  j["decisions"] = r.decisions.list.size();
  j["applied"] = r.decisions.list.size() - r.stale.size();
  oj pending = oj::array();
  for (const auto& u : r.unreviewed) {
    oj uses = oj::array();
    for (const auto& use : u.uses) uses.push_back({{"process", process_label(use.exe, use.comm)}, {"phase", use.phase}});
    pending.push_back({{"syscall", u.syscall}, {"risk", sys::risk_name(u.risk)}, {"reason", u.reason},
                       {"count", u.count}, {"uses", std::move(uses)}});
  }
  j["pending"] = std::move(pending);
  oj stale = oj::array();
  for (const auto& st : r.stale) {
    const Decision& d = r.decisions.list[st.decision];
    stale.push_back({{"at", d.at.str()}, {"syscall", d.syscall}, {"decision", d.allow ? "allow" : "deny"}, {"why", st.why}});
  }
  j["stale"] = std::move(stale);
  oj undecided = oj::array();
  for (const auto& at : r.decisions.undecided) undecided.push_back(at.str());
  j["undecided"] = std::move(undecided);
  j["warnings"] = r.warnings;
  return j.dump(2) + "\n";
}

void check_report_path(const std::string& path) {
  auto ends = [&](std::string_view x) { return path.size() > x.size() && path.compare(path.size() - x.size(), x.size(), x) == 0; };
  if (!ends(".md") && !ends(".html") && !ends(".htm"))
    throw usage_error(fmt::format("--report {}: the extension says the format: FILE.md or FILE.html", path));
}

void write_report(const std::string& path, const Report& rep) {
  check_report_path(path);
  bool md = path.size() > 3 && path.compare(path.size() - 3, 3, ".md") == 0;
  write_file_atomic(path, md ? render_markdown(rep) : render_html(rep));
}

}  // namespace syscribe::gen
