// syscribe generate: evidence -> a seccomp profile (OCI, Docker, SPO, systemd, BPF, PFC),
// checked through libseccomp for every listed arch before it is written atomically.
#include <algorithm>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/options.h"
#include "cli/policy_options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/emit.h"
#include "generator/merge.h"
#include "generator/policy.h"
#include "generator/report.h"
#include "generator/review.h"

namespace syscribe::cli {

namespace {

gen::Action default_action_of(const std::string& text) {
  if (text == "errno") return gen::Action::error;
  if (text == "kill-process" || text == "kill") return gen::Action::kill_process;
  if (text == "kill-thread") return gen::Action::kill_thread;
  if (text == "trap") return gen::Action::trap;
  if (text == "log") return gen::Action::log;
  throw usage_error(fmt::format("unknown default action '{}' (errno, kill-process, kill-thread, trap, log)", text));
}

// Notes about one syscall each ("capget: added for the runc runtime tail"), one line per
// reason once several share it ("added for the runc runtime tail: capget, capset, chdir"),
// in the order the reasons first appear; other notes as they are.
std::vector<std::string> grouped_notes(const std::vector<std::string>& notes) {
  std::vector<std::string> reasons;
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const auto& n : notes) {
    auto colon = n.find(": ");
    bool one_syscall = colon != std::string::npos && sys::find(n.substr(0, colon));
    std::string reason = one_syscall ? n.substr(colon + 2) : n;
    auto& names = by_reason[reason];
    if (names.empty() && (one_syscall || std::find(reasons.begin(), reasons.end(), reason) == reasons.end()))
      reasons.push_back(reason);
    if (one_syscall) names.push_back(n.substr(0, colon));
  }
  std::vector<std::string> out;
  for (const auto& r : reasons) {
    const auto& names = by_reason[r];
    if (names.empty())
      out.push_back(r);
    else if (names.size() == 1)
      out.push_back(fmt::format("{}: {}", names[0], r));
    else
      out.push_back(fmt::format("{}: {}", r, fmt::join(names, ", ")));
  }
  return out;
}

void print_summary(const gen::Policy& pol, const std::string& out, std::string_view format,
                   const std::vector<std::string>& notes, const std::vector<std::pair<sys::Arch, size_t>>& sizes) {
  size_t allowed = 0;
  for (const auto& e : pol.entries) allowed += e.action == gen::Action::allow;
  size_t rules = gen::to_profile(pol).syscalls.size();
  std::vector<std::string> arches;
  for (sys::Arch a : pol.arches) {
    std::string n(sys::arch_name(a));
    arches.push_back(fmt::format("{} ({})", n, pol.arch_why.at(n)));
  }
  std::cerr << fmt::format("syscribe generate: {} ({}): {} syscalls allowed, {} rules in all; arches: {}\n",
                           out == "-" ? "<stdout>" : out, format, allowed, rules, fmt::join(arches, ", "));
  std::vector<std::string> sized;
  for (const auto& [a, n] : sizes) sized.push_back(fmt::format("{} on {}", n, sys::arch_name(a)));
  if (!sized.empty())
    std::cerr << fmt::format("  size: BPF instructions {} (the kernel takes at most 4096 per filter)\n",
                             fmt::join(sized, ", "));
  for (const auto& n : grouped_notes(pol.notes)) std::cerr << "  note: " << n << "\n";
  for (const auto& n : notes) std::cerr << "  note: " << n << "\n";
  for (const auto& w : pol.warnings) std::cerr << "  warning: " << w << "\n";
}

}  // namespace

int cmd_generate(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("output,o", po::value<std::string>()->default_value("-"), "profile to write (default: stdout)")
      ("format,f", po::value<std::string>()->default_value("oci"), "oci, docker, spo, systemd, bpf, pfc")
      ("default-action", po::value<std::string>()->default_value("errno"),
       "for calls not allowed: errno, kill-process, kill-thread, trap, log")
      ("errno", po::value<std::string>()->default_value("EPERM"), "errno of the errno default action (name or number)")
      ("phases", po::value<std::vector<std::string>>()->composing(), "build from these phases only (comma-separated)")
      ("exclude-process", po::value<std::vector<std::string>>()->composing(),
       "leave this executable's (or comm's) syscalls out; a path also matches the exe it resolves to; "
       "repeatable")
      ("no-arg-filters", "allow every observed syscall with any arguments")
      ("arch", po::value<std::vector<std::string>>()->composing(),
       "also target these arches (comma-separated), translating missing syscalls")
      ("runtime", po::value<std::string>()->default_value("none"),
       "add the syscalls this container runtime makes after loading the filter: runc, crun, none "
       "(docker: Docker uses runc)")
      ("name", po::value<std::string>()->default_value("syscribe-profile"), "profile name (spo metadata, systemd)")
      ("namespace", po::value<std::string>()->default_value(""), "spo metadata.namespace")
      ("review", po::value<std::string>(), "review decisions (YAML or JSON): allow/deny with reasons")
      ("report", po::value<std::vector<std::string>>()->composing(), "also write the review report: FILE.md or FILE.html")
      ("quiet,q", "no summary on stderr");
  auto p = parse_args("generate", "syscribe generate EVIDENCE... [-o PROFILE] [OPTIONS]",
                      "Several evidence files are merged first. The profile allows what was observed,\n"
                      "plus exit/exit_group/rt_sigreturn/restart_syscall, returns ENOSYS for clone3\n"
                      "(glibc falls back to clone, which keeps its namespace filter), and restricts\n"
                      "the arguments syscalls-tables marks as security-relevant to the values seen.\n\n"
                      "Examples:\n  syscribe generate app.evidence.json -o app.json\n"
                      "  syscribe generate a.json b.json --arch aarch64 --runtime runc --format docker -o app.json\n"
                      "  docker run --security-opt seccomp=app.json IMAGE    # podman: the same option\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.empty()) throw usage_error("give at least one evidence file");

  gen::Action default_action = default_action_of(p.vm["default-action"].as<std::string>());
  const auto& errno_text = p.vm["errno"].as<std::string>();
  auto err = sys::parse_errno(errno_text);
  if (!err) throw usage_error(fmt::format("unknown errno '{}'", errno_text));
  gen::PolicyOptions po = read_policy_options(p.vm, "generate", p.vm.count("quiet") > 0);
  po.default_action = default_action;
  po.errno_value = static_cast<uint32_t>(*err);
  gen::EmitOptions eo;
  const auto& format = p.vm["format"].as<std::string>();
  auto f = gen::parse_output_format(format);
  if (!f) throw usage_error(fmt::format("unknown format '{}' ({})", format, gen::output_format_names()));
  eo.format = *f;
  eo.name = p.vm["name"].as<std::string>();
  eo.nspace = p.vm["namespace"].as<std::string>();
  const auto& out = p.vm["output"].as<std::string>();
  if (out != "-") check_writable(out);

  ev::Evidence ev = gen::read_merged(p.positional);
  for (const auto& w : ev::incomplete_recordings(ev)) std::cerr << "syscribe generate: warning: " << w << "\n";
  // Review decisions, and the gate: high-risk syscalls without one refuse the profile (exit 3).
  std::vector<std::string> reports;
  if (p.vm.count("report")) reports = p.vm["report"].as<std::vector<std::string>>();
  for (const auto& r : reports) {
    gen::check_report_path(r);
    check_writable(r);
  }
  gen::Decisions decisions = p.vm.count("review") ? gen::read_decisions(p.vm["review"].as<std::string>()) : gen::Decisions{};
  gen::Reviewed reviewed = gen::review_policy(ev, po, std::move(decisions));
  gen::Policy& pol = reviewed.policy;
  // The profile and its reports are written all or nothing.
  OutputSet outputs;
  auto stage_reports = [&](bool refused) {
    for (const auto& r : reports) {
      gen::Report rep = gen::build_report(reviewed, {p.positional, out == "-" ? "" : out, format, refused, &ev});
      bool md = r.size() > 3 && r.compare(r.size() - 3, 3, ".md") == 0;
      outputs.add(r, md ? gen::render_markdown(rep) : gen::render_html(rep));
    }
  };
  if (!reviewed.unreviewed.empty()) {
    stage_reports(true);
    outputs.commit();
    for (const auto& w : reviewed.warnings) std::cerr << "  warning: " << w << "\n";
    throw Error(gen::unreviewed_message(reviewed), kExitReview);
  }
  std::vector<std::string> notes;
  std::vector<std::pair<sys::Arch, size_t>> sizes;
  eo.bpf_sizes = &sizes;
  std::string content = gen::emit(pol, eo, notes);
  outputs.add(out, std::move(content));
  stage_reports(false);
  outputs.commit();
  if (!p.vm.count("quiet")) print_summary(pol, out, format, notes, sizes);
  return 0;
}

}  // namespace syscribe::cli
