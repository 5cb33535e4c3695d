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
#include <mutex>
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
#include "tracer/aggregate.h"
#include "tracer/launch.h"
#include "tracer/notify_supervisor.h"
#include "tracer/phase_clock.h"
#include "tracer/proc_info.h"
#include "tracer/syscall_stop.h"

namespace syscribe::cli {

namespace {

constexpr const char* kNotify = "SCMP_ACT_NOTIFY";

// The profile with every action other than ALLOW turned into NOTIFY, so each call the
// real profile would not simply allow reaches us; the verdict then comes from the real
// profile's own compiled filter (gen::Evaluator). `watched` (--ready syscall:NAME)
// notifies whatever the profile says, so its first call by the main process is seen.
gen::Profile notifying(const gen::Profile& p, const sys::SyscallInfo* watched) {
  gen::Profile q = p;
  auto convert = [](std::string& action, std::optional<uint32_t>& errno_ret) {
    if (action != "SCMP_ACT_ALLOW") {
      action = kNotify;
      errno_ret.reset();
    }
  };
  convert(q.default_action, q.default_errno_ret);
  for (auto& r : q.syscalls) convert(r.action, r.errno_ret);
  if (watched) {
    for (auto& r : q.syscalls) std::erase(r.names, std::string(watched->name));
    std::erase_if(q.syscalls, [](const gen::Rule& r) { return r.names.empty(); });
    gen::Rule w;
    w.names.push_back(std::string(watched->name));
    w.action = kNotify;
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

// One argument as a person reads it: names for flags and enums, strings for paths.
std::string show_arg(const sys::ArgInfo& a, const tracer::SyscallStop& stop, uint64_t raw, pid_t pid) {
  uint64_t v = tracer::arg_value(stop, raw, a.is32);
  switch (a.kind) {
    case sys::ArgKind::path:
    case sys::ArgKind::str: {
      std::string s;
      if (raw != 0 && tracer::read_tracee_string(pid, raw, s, 256)) return fmt::format("\"{}\"", s);
      return fmt::format("{:#x}", raw);
    }
    case sys::ArgKind::flags:
    case sys::ArgKind::enumval:
      return sys::decode_value(a.xlat, a.kind, v);
    case sys::ArgKind::fd:
    case sys::ArgKind::int32:
    case sys::ArgKind::pid:
      return std::to_string(static_cast<int32_t>(v));
    case sys::ArgKind::uint32:
    case sys::ArgKind::uid:
      return std::to_string(static_cast<uint32_t>(v));
    case sys::ArgKind::int64:
      return std::to_string(static_cast<int64_t>(v));
    case sys::ArgKind::mode:
      return fmt::format("{:#o}", v);
    default:
      return fmt::format("{:#x}", v);
  }
}

std::string describe_call(const sys::SyscallInfo* info, const tracer::SyscallStop& stop, pid_t pid) {
  if (!info) return fmt::format("#{}(...)", stop.nr);
  std::string out = std::string(info->name) + "(";
  for (size_t i = 0; i < info->args.size() && i < 6; ++i) {
    if (i) out += ", ";
    out += fmt::format("{}={}", info->args[i].name, show_arg(info->args[i], stop, stop.args[i], pid));
  }
  return out + ")";
}

// Sorted by phase first, in the order the phases began (the clock's index), then process
// and call.
struct DenialKey {
  uint32_t phase_index = 0;
  std::string exe, comm, phase, arch, syscall, action;
  auto operator<=>(const DenialKey&) const = default;
};
struct DenialStats {
  uint64_t count = 0;
  std::set<pid_t> pids;
  std::vector<std::string> calls;  // the first few distinct calls, arguments by name
};
constexpr size_t kCallsShown = 3;

}  // namespace

int cmd_run(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("profile,P", po::value<std::string>(), "the profile to run under (OCI, Docker or SPO)")
      ("complain", "let denied calls proceed, only report them")
      ("output,o", po::value<std::string>(), "write the denied calls as evidence to this file")
      ("fail-on-denial", "exit 4 when the profile denied at least one call (for CI)")
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

  tracer::Aggregator agg;
  std::mutex mu;
  std::map<DenialKey, DenialStats> denials;
  std::string started = utc_now_iso();

  auto control_socket = open_control_socket(p.vm, clock, "run");
  tracer::NotifySupervisor sup(path, p.command, std::move(bpf), filter_flags(profile));
  if (watch.tap) sup.redirect_output(watch.tap->child_stdout(), watch.tap->child_stderr());
  // Like a shell waiting for a foreground job: Ctrl-C and Ctrl-\ from the terminal reach the
  // workload (same process group) and are not passed on again; INT and QUIT sent to us by a
  // process (kill, timeout -s INT, a supervisor), and TERM and HUP, are passed on.
  static tracer::NotifySupervisor* forward_to = nullptr;
  forward_to = &sup;
  struct sigaction sa {};
  sa.sa_flags = SA_SIGINFO;
  sa.sa_sigaction = [](int sig, siginfo_t* info, void*) {
    if ((sig == SIGINT || sig == SIGQUIT) && info->si_code == SI_KERNEL) return;  // the terminal's
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

  tracer::SupervisedRun result = sup.run([&](const tracer::Notification& n) {
    tracer::Response resp;
    uint32_t verdict = SECCOMP_RET_KILL_THREAD;  // libseccomp's action for an arch not in the filter
    tracer::SyscallStop stop;
    stop.op = tracer::StopOp::seccomp;
    stop.nr = n.nr;
    stop.args = n.args;
    stop.arch_known = n.arch.has_value();
    if (n.arch) {
      stop.arch = *n.arch;
      verdict = verdicts.evaluate(*n.arch, static_cast<int64_t>(n.nr), n.args);
    }
    uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;
    // Whether the caller is the main process costs a /proc read: only for the watched call
    // while a wait is open.
    if (watch.syscall && n.arch && watch.event->armed() &&
        sys::find(*n.arch, static_cast<int64_t>(n.nr)) == watch.syscall &&
        tracer::read_task_status(n.pid).tgid == sup.pid())
      watch.main_syscall(*n.arch, n.nr);
    switch (action) {
      case SECCOMP_RET_ALLOW:
      case SECCOMP_RET_LOG:
        resp.kind = tracer::Response::Kind::proceed;
        break;
      case SECCOMP_RET_ERRNO:
        resp.kind = tracer::Response::Kind::fail;
        resp.error = static_cast<int>(verdict & SECCOMP_RET_DATA);
        break;
      case SECCOMP_RET_TRACE:
      case SECCOMP_RET_USER_NOTIF:
        resp.kind = tracer::Response::Kind::fail;  // no tracer or listener of the profile's own
        resp.error = ENOSYS;
        break;
      case SECCOMP_RET_KILL_THREAD:
        resp.kind = tracer::Response::Kind::kill_thread;
        break;
      default:  // KILL_PROCESS, TRAP
        resp.kind = tracer::Response::Kind::kill_process;
        break;
    }
    if (action == SECCOMP_RET_ALLOW) return resp;
    if (complain) resp.kind = tracer::Response::Kind::proceed;

    std::string exe = tracer::read_exe(n.pid);
    std::string comm = tracer::read_comm(n.pid);
    const sys::SyscallInfo* info = n.arch ? sys::find(*n.arch, static_cast<int64_t>(n.nr)) : nullptr;
    bool bad_arch = !n.arch || std::find(arches.begin(), arches.end(), *n.arch) == arches.end();
    uint32_t phase_index = clock.current();
    std::string phase = clock.name(phase_index);
    std::string call = describe_call(info, stop, n.pid);
    std::lock_guard<std::mutex> lock(mu);
    DenialKey key{phase_index,
                  exe,
                  comm,
                  phase,
                  n.arch ? std::string(sys::arch_name(*n.arch)) : fmt::format("audit-arch {:#x}", n.audit_arch),
                  info ? std::string(info->name) : fmt::format("#{}", n.nr),
                  gen::describe_action(verdict) + (bad_arch ? " (arch not in the profile)" : "")};
    auto& d = denials[key];
    d.count++;
    d.pids.insert(n.pid);
    if (d.calls.size() < kCallsShown && std::find(d.calls.begin(), d.calls.end(), call) == d.calls.end())
      d.calls.push_back(std::move(call));
    if (n.arch) {
      tracer::Identity& id = agg.identity(exe, comm);
      if (id.instances == 0) id.instances = 1;
      agg.record(id, clock.current(), stop, clock.now(), n.pid);
    }
    return resp;
  });

  driver.finished(result.exit_status);
  if (watch.tap) watch.tap->finish();
  uint64_t total = 0;
  for (const auto& [k, d] : denials) total += d.count;
  if (!quiet) {
    if (denials.empty()) {
      std::cerr << fmt::format("syscribe run: the profile denied nothing; {} {}\n", p.command[0],
                               tracer::describe_exit_status(result.exit_status));
    } else {
      std::cerr << fmt::format("syscribe run: {} {} ({} distinct){}:\n", total,
                               complain ? "calls the profile would deny" : "calls denied", denials.size(),
                               complain ? ", allowed by --complain" : "");
      for (const auto& [k, d] : denials) {
        std::string pids;
        for (pid_t pid : d.pids) pids += fmt::format("{}{}", pids.empty() ? "" : ",", pid);
        std::cerr << fmt::format("  {:<16} x{:<5} {} {} by {} (pid {}) in phase {}\n", k.syscall, d.count, k.arch,
                                 k.action, k.exe.empty() ? k.comm : k.exe, pids, k.phase);
        for (const auto& c : d.calls) std::cerr << "      " << c << "\n";
      }
      std::cerr << fmt::format("syscribe run: {} {}\n", p.command[0], tracer::describe_exit_status(result.exit_status));
    }
  }
  if (!out_path.empty()) {
    ev::Evidence e = agg.to_evidence(clock);
    ev::Recording r;
    r.command = p.command;
    r.started = started;
    r.duration = clock.now();
    r.tool_version = SYSCRIBE_VERSION;
    r.mode = complain ? "notify-complain" : "notify-enforce";
    r.host_kernel = kernel_release();
    r.host_arch = std::string(sys::arch_name(sys::host_arch()));
    r.exit_status = result.exit_status;
    r.marks = clock.marks();
    e.recordings.push_back(std::move(r));
    ev::write_evidence(out_path, e);
    if (!quiet) std::cerr << fmt::format("syscribe run: denied calls written as evidence to {}\n", out_path);
  }
  // The lifecycle's outcome is printed whatever the exit status says.
  int status = life.drives() ? lifecycle_exit(life, driver.failure(), result.exit_status, "run") : result.exit_status;
  if (!denials.empty() && p.vm.count("fail-on-denial")) return kExitDenied;
  return status;
}

}  // namespace syscribe::cli
