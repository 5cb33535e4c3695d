// syscribe run --profile PROFILE -- CMD: run a workload under a profile exactly as a
// runtime would load it (libseccomp compiles it, the filter is loaded before exec) and
// report every call the profile denies, with its process, phase and arguments by name.
// --complain lets the denied calls proceed and writes them as evidence to fold back in.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <linux/seccomp.h>
#include <map>
#include <seccomp.h>
#include <set>

#include <fmt/format.h>

#include "cli/lifecycle_options.h"
#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/host.h"
#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/profile.h"
#include "syscalls-tables/syscalls.h"
#include "tracer/launch.h"
#include "tracer/enforce.h"
#include "tracer/phase_clock.h"

namespace syscribe::cli {

namespace {

// The profile with every action other than ALLOW turned into NOTIFY, so each call the
// real profile would not simply allow reaches us; the verdict then comes from the real
// profile's own compiled filter (gen::Evaluator). `watched` (--ready syscall:NAME) and the
// engine's always_notified() calls notify whatever the profile says.
gen::Profile notifying(const gen::Profile& p, const sys::SyscallInfo* watched) {
  gen::Profile q = p;
  auto convert = [](gen::Action& action, std::optional<uint32_t>& errno_ret) {
    if (action != gen::Action::allow) {
      action = gen::Action::notify;
      errno_ret.reset();
    }
  };
  convert(q.default_action, q.default_errno_ret);
  for (auto& r : q.syscalls) convert(r.action, r.errno_ret);
  std::vector<std::string> always = tracer::always_notified();
  if (watched && std::find(always.begin(), always.end(), watched->name) == always.end())
    always.push_back(std::string(watched->name));
  for (const auto& name : always) {
    for (auto& r : q.syscalls) std::erase(r.names, name);
    std::erase_if(q.syscalls, [](const gen::Rule& r) { return r.names.empty(); });
    gen::Rule w;
    w.names.push_back(name);
    w.action = gen::Action::notify;
    q.syscalls.push_back(std::move(w));
  }
  return q;
}

unsigned filter_flags(const gen::Profile& p) {
  unsigned flags = 0;
  for (const auto& f : p.flags) {
    if (f == "SECCOMP_FILTER_FLAG_LOG") flags |= SECCOMP_FILTER_FLAG_LOG;
    if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  }
  return flags;
}

// The profile's own ENOSYS stubs: syscalls a rule answers ERRNO(ENOSYS) so that the
// caller falls back (clone3 to clone, and any such rule the profile sets).
std::set<std::string> enosys_stubs(const gen::Profile& p) {
  std::set<std::string> out;
  for (const auto& r : p.syscalls)
    if (r.action == gen::Action::error && r.errno_ret == static_cast<uint32_t>(ENOSYS))
      out.insert(r.names.begin(), r.names.end());
  return out;
}

}  // namespace

int cmd_run(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("profile,P", po::value<std::string>(), "the profile to run under (OCI, Docker or SPO)")
      ("complain", "let denied calls proceed, only report them")
      ("output,o", po::value<std::string>(), "write the denied calls as evidence to this file")
      ("fail-on-denial", "exit 4 when the profile denied at least one call (for CI); the profile's own ENOSYS stubs (clone3) are expected fallbacks, not denials")
      ("quiet,q", "no report on stderr (the exit status still tells)");
  add_lifecycle_options(opts);
  auto p = parse_args("run", "syscribe run --profile PROFILE [OPTIONS] -- CMD [ARGS...]",
                      "Runs CMD under PROFILE as a container runtime would (libseccomp compiles it and the\n"
                      "filter is loaded before exec), and reports every call the profile denies: syscall,\n"
                      "arch, arguments by name, process and how often. Denials reach syscribe through\n"
                      "seccomp user notification, so ERRNO verdicts are exact; KILL and TRAP verdicts are\n"
                      "delivered as SIGSYS, which a workload that handles SIGSYS survives.\n"
                      "A call on an arch the profile does not list (an i386 int 0x80 call on x86_64)\n"
                      "gets the kernel's bad-arch kill and is reported as a denial too. Syscall names\n"
                      "the tables do not know are ignored, as runc and crun do, with a warning naming\n"
                      "the rule ('syscribe lint' reports them as errors).\n"
                      "A call that a rule of the profile answers ERRNO(ENOSYS) (the clone3 stub, which makes\n"
                      "glibc fall back to clone) is reported as an expected fallback, not a denial; even\n"
                      "--complain answers it ENOSYS, as the profile does.\n"
                      "The lifecycle options work as in 'syscribe record': with --ready, denials are\n"
                      "reported per phase (startup, serving, reload, shutdown); with --traffic the\n"
                      "workload is driven through ready, traffic, reload and stop.\n"
                      "Exit status: the workload's; 1 when a lifecycle step (ready, traffic, reload,\n"
                      "stop) failed; 4 with --fail-on-denial when anything was denied, which wins over\n"
                      "both (a denial is the likely cause; the failed step is still printed).\n\n"
                      "Examples:\n"
                      "  syscribe run --profile profile.json -- ./server --port 8080\n"
                      "  syscribe run --profile profile.json --complain -o missing.evidence.json -- ./server\n"
                      "  syscribe generate base.evidence.json missing.evidence.json -o profile.json\n",
                      opts, args, /*takes_command=*/true);
  if (p.help) return 0;
  if (!p.vm.count("profile")) throw usage_error("--profile PROFILE is required");
  if (p.command.empty()) throw usage_error("give the command to run after --");
  if (!p.positional.empty()) throw usage_error(fmt::format("unexpected argument '{}'", p.positional[0]));
  const bool complain = p.vm.count("complain") > 0;
  const bool quiet = p.vm.count("quiet") > 0;
  const std::string profile_path = p.vm["profile"].as<std::string>();
  std::string out_path = p.vm.count("output") ? p.vm["output"].as<std::string>() : "";
  tracer::LifecyclePlan life = lifecycle_plan(p.vm);
  if (!out_path.empty() && out_path != "-") check_writable(out_path);

  gen::Profile profile = gen::read_profile(profile_path);
  // runc and crun refuse a profile naming an arch libseccomp does not know; so do we.
  std::vector<std::string> listed = profile.architectures;
  for (const auto& e : profile.arch_map) {
    listed.push_back(e.architecture);
    listed.insert(listed.end(), e.sub_architectures.begin(), e.sub_architectures.end());
  }
  for (const auto& a : listed)
    if (!sys::is_scmp_arch_name(a))
      throw Error(fmt::format("{}: unknown architecture \"{}\": runc and crun refuse the profile", profile_path, a));
  // runc and crun skip names libseccomp does not know, so a newer profile still loads; so
  // do we, but say so: a misspelt name silently allows or denies nothing.
  if (!quiet)
    for (const auto& u : gen::unknown_syscalls(profile))
      std::cerr << fmt::format("syscribe run: warning: {}: {}: unknown syscall \"{}\": ignored, as runc and crun "
                               "do\n",
                               profile_path, u.where, u.name);
  gen::Evaluator verdicts(profile, {}, profile_path);
  tracer::PhaseClock clock(life.drives() ? "startup" : "run", "launch");
  auto phase_now = [&clock] { return clock.current_name(); };
  ReadyWatch watch = ready_watch(life, phase_now);
  gen::Profile notify = notifying(profile, watch.syscall);
  auto arches = gen::effective_arches(notify, sys::host_arch());
  gen::Compiled compiled = gen::compile_profile(notify, arches, {}, profile_path);
  // A call on an arch outside the filter would be killed by the kernel unseen; notified,
  // the verdict below still kills it (the real profile's bad-arch action) and reports it.
  if (int rc = seccomp_attr_set(static_cast<scmp_filter_ctx>(compiled.ctx.get()), SCMP_FLTATR_ACT_BADARCH,
                                SCMP_ACT_NOTIFY);
      rc != 0)
    throw system_error("cannot set the filter's bad-arch action", -rc);
  std::vector<uint8_t> bpf = gen::export_bpf(compiled.ctx.get());
  std::string path = tracer::resolve_command(p.command[0]);

  std::string started = utc_now_iso();
  tracer::EnforceOptions eo;
  eo.command = p.command;
  eo.command[0] = path;
  eo.bpf = std::move(bpf);
  eo.filter_flags = filter_flags(profile);
  eo.complain = complain;
  eo.arches = arches;
  eo.verdict = [&verdicts](sys::Arch a, uint64_t nr, const std::array<uint64_t, 6>& args) {
    return verdicts.evaluate(a, static_cast<int64_t>(nr), args);
  };
  eo.describe_action = gen::describe_action;
  eo.enosys_stubs = enosys_stubs(profile);
  eo.watched = watch.syscall;
  if (watch.syscall) {
    eo.watch_armed = [&watch] { return watch.event->armed(); };
    eo.on_watched = [&watch](sys::Arch a, uint64_t nr) { watch.main_syscall(a, nr); };
  }
  if (watch.tap) {
    eo.stdout_fd = watch.tap->child_stdout();
    eo.stderr_fd = watch.tap->child_stderr();
  }

  auto control_socket = open_control_socket(p.vm, clock, "run");
  tracer::Enforcer sup(std::move(eo), clock);
  // Like a shell waiting for a foreground job: Ctrl-C and Ctrl-\ from the terminal reach the
  // workload (same process group) and are not passed on again (a stopped workload gets
  // SIGCONT, so that it acts on them); INT and QUIT sent to us by a process (kill, timeout
  // -s INT, a supervisor), and TERM and HUP, are passed on.
  static tracer::Enforcer* forward_to = nullptr;
  forward_to = &sup;
  struct sigaction sa {};
  sa.sa_flags = SA_SIGINFO;
  sa.sa_sigaction = [](int sig, siginfo_t* info, void*) {
    if ((sig == SIGINT || sig == SIGQUIT) && info->si_code == SI_KERNEL) {  // the terminal's
      if (forward_to) forward_to->continue_if_stopped();
      return;
    }
    if (forward_to) forward_to->signal(sig);
  };
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  sup.start();
  if (watch.tap) watch.tap->started();
  // The driver switches to reload and shutdown itself as it sends those signals.
  tracer::LifecycleDriver driver(
      life, {[&](const std::string& phase, const std::string& source) { clock.switch_to(phase, source); },
             [&](int sig) { sup.signal(sig); },
             [&](const std::string& line) { if (!quiet) std::cerr << "syscribe run: " << line << "\n"; }});
  tracer::EnforceResult result = sup.run();
  driver.finished(result.exit_status);
  if (watch.tap) watch.tap->finish();
  if (!quiet) tracer::print_enforce_report(result, p.command[0], complain);
  if (!out_path.empty()) {
    ev::write_evidence(out_path, sup.evidence(started));
    if (!quiet) std::cerr << fmt::format("syscribe run: denied calls written as evidence to {}\n", out_path);
  }
  // The lifecycle's outcome is printed whatever the exit status says.
  int status = life.drives() ? lifecycle_exit(life, driver.failure(), result.exit_status, "run") : result.exit_status;
  // The profile's own ENOSYS stubs are expected fallbacks, not denials.
  if (!result.denials.empty() && p.vm.count("fail-on-denial")) return kExitDenied;
  return status;
}

}  // namespace syscribe::cli
