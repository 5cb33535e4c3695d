// syscribe record: launch a command (or attach to PIDs) under the tracer and write
// what it asked the kernel for as evidence.
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence.h"
#include "generator/known.h"
#include "tracer/control_socket.h"
#include "cli/lifecycle_options.h"
#include "tracer/progress.h"
#include "tracer/recorder.h"
#include "tracer/stacks.h"

namespace syscribe::cli {

namespace {

// --engine picks how syscalls reach us; --mode (for testing) picks the ptrace variant.
tracer::Mode parse_mode(const std::string& engine, const std::string& text) {
  tracer::Mode mode;
  if (text == "auto") mode = tracer::Mode::automatic;
  else if (text == "seccomp") mode = tracer::Mode::seccomp;
  else if (text == "ptrace-syscall") mode = tracer::Mode::ptrace_syscall;
  else throw usage_error(fmt::format("unknown --mode '{}' (auto, seccomp, ptrace-syscall)", text));
  if (engine == "auto") return mode;
  if (engine == "notify") {
    if (mode != tracer::Mode::automatic) throw usage_error("--engine notify and --mode exclude each other");
    return tracer::Mode::notify;
  }
  if (engine == "ptrace") return mode == tracer::Mode::automatic ? tracer::Mode::seccomp : mode;
  throw usage_error(fmt::format("unknown --engine '{}' (auto, notify, ptrace)", engine));
}

std::string engine_name(const std::string& mode) {
  if (mode == "notify-sync") return "notify engine (synchronous wake-up)";
  if (mode == "notify") return "notify engine (asynchronous wake-up: the kernel has no SYNC_WAKE_UP)";
  if (mode == "seccomp") return "ptrace engine (seccomp stops)";
  return "ptrace engine (ptrace-syscall)";
}

void print_summary(const tracer::Recorder& r, const tracer::RecordResult& res, const std::string& out) {
  tracer::LiveStats s = r.stats();
  std::string per_arch;
  for (const auto& [arch, n] : r.distinct_per_arch()) per_arch += fmt::format("{}{} {}", per_arch.empty() ? "" : ", ", n, arch);
  if (per_arch.empty()) per_arch = "none";
  if (!res.fallback.empty()) std::cerr << "syscribe record: " << res.fallback << "\n";
  std::cerr << fmt::format("syscribe record: {}{}; {} processes, {} syscalls; distinct: {}\n", engine_name(res.mode),
                           res.detached ? ", detached" : "", s.processes_seen, s.syscalls, per_arch)
            << fmt::format("syscribe record: evidence written to {}\n", out);
}

// Per phase, in the order of the marks: the distinct syscalls, and those seen only there.
void print_phases(const ev::Evidence& e) {
  std::map<std::string, std::set<std::string>> calls;
  for (const auto& [key, proc] : e.processes)
    for (const auto& [phase, arches] : proc.phases)
      for (const auto& [arch, m] : arches)
        for (const auto& [name, st] : m) calls[phase].insert(name);
  if (calls.size() < 2) return;
  for (const auto& phase : e.phase_names()) {
    auto it = calls.find(phase);
    if (it == calls.end()) continue;
    std::vector<std::string> only;
    for (const auto& name : it->second) {
      bool elsewhere = false;
      for (const auto& [other, set] : calls)
        if (other != phase && set.count(name)) elsewhere = true;
      if (!elsewhere) only.push_back(name);
    }
    std::cerr << fmt::format("syscribe record: phase {}: {} distinct syscalls{}{}\n", phase, it->second.size(),
                             only.empty() ? "" : "; only here: ", fmt::join(only, ", "));
  }
}

}  // namespace

int cmd_record(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("output,o", po::value<std::string>()->default_value("syscribe.evidence.json"), "evidence file to write ('-': stdout, with -p only)")
      ("pid,p", po::value<std::vector<int>>(), "attach to this running process (repeatable)")
      ("results", "also stop at syscall exit and record error results (about twice the cost)")
      ("checkpoint", po::value<double>(), "write the evidence every SECONDS while recording")
      ("engine", po::value<std::string>()->default_value("auto"), "notify (seccomp user notification, the default where the kernel has it), ptrace, or auto")
      ("mode", po::value<std::string>()->default_value("auto"), "with --engine ptrace: auto, seccomp or ptrace-syscall (for testing)")
      ("profile", po::value<std::string>(), "also generate a profile from the evidence (as 'syscribe generate EVIDENCE -o PROFILE')")
      ("review", po::value<std::string>(), "with --profile: review decisions to apply (see 'syscribe generate --help')")
      ("stacks", "keep where the first call of each high-risk syscall came from (function and library), per process and phase")
      ("known", po::value<std::string>(), "incremental: what this evidence or profile already covers runs without stopping: syscalls whose arguments are not recorded, and calls whose recorded argument values are a known tuple (a new value still stops); the evidence lists them as known")
      ("container", po::value<std::vector<std::string>>(), "KEY=VALUE: where the recording runs (container name, image, pod), kept in the evidence's recording (repeatable; syscribe-runtime sets these)")
            ("quiet,q", "no live status line and no summary")
      (",f", po::value<std::vector<std::string>>()->zero_tokens()->composing(),
       "accepted for strace's habit (also -ff): children are always followed");
  add_lifecycle_options(opts);
  auto p = parse_args("record",
                      "syscribe record [OPTIONS] -- CMD [ARGS...]\n"
                      "       syscribe record [OPTIONS] -p PID [-p PID...]",
                      "Launch mode follows CMD and every process it starts with ptrace, and by default\n"
                      "takes every syscall through seccomp user notification (the notify engine: no ptrace\n"
                      "stop per call, synchronous wake-up on Linux 6.6+). --engine ptrace gives one ptrace\n"
                      "stop per syscall (SECCOMP_RET_TRACE) instead; --results and --stacks need it and\n"
                      "choose it. Attach mode (-p) follows every thread of PID and its new children with\n"
                      "PTRACE_SYSCALL, and detaches on Ctrl-C or SIGTERM, leaving them running. syscribe\n"
                      "exits with the workload's status.\n\n"
                      "Lifecycle phases: with --ready, evidence is kept apart per phase: startup from\n"
                      "launch, serving once ready, reload once the main process receives the reload\n"
                      "signal, shutdown once it receives the stop signal (or INT/QUIT). With --traffic the\n"
                      "recorder drives the lifecycle itself: ready, traffic, [--reload: signal, ready,\n"
                      "traffic], stop signal, SIGKILL after --stop-timeout. It then exits 0 when all of\n"
                      "that succeeded and the workload stopped (by exiting or by the stop signal), and 1\n"
                      "with the reason otherwise (also when the workload exits before it is stopped).\n"
                      "The reload and shutdown phases begin when the driver sends the signal. The\n"
                      "traffic runs in a process group of its own, ended when the recording stops.\n"
                      "'syscribe mark --control SOCKET PHASE' switches phase from outside; record\n"
                      "prints the socket's path at start.\n\n"
                      "Examples:\n"
                      "  syscribe record -o app.evidence.json -- ./app --port 8080\n"
                      "  syscribe record --ready tcp:127.0.0.1:8080 --traffic './load.sh' --reload -- ./app\n"
                      "  syscribe record -p 1234          # attach; Ctrl-C detaches\n"
                      "  syscribe record --known app.evidence.json -o app.new.json -- ./app   # only new behaviour stops\n"
                      "See docs/tracer.md.\n",
                      opts, args, /*takes_command=*/true);
  if (p.help) return 0;
  if (!p.positional.empty()) throw usage_error(fmt::format("unexpected argument '{}'", p.positional[0]));
  if (p.vm.count("-f"))
    std::cerr << "syscribe record: note: -f is not needed: every child, thread and exec of the workload is always "
                 "followed\n";

  tracer::RecordOptions ro;
  ro.command = p.command;
  if (p.vm.count("pid"))
    for (int pid : p.vm["pid"].as<std::vector<int>>()) ro.pids.push_back(pid);
  if (ro.command.empty() && ro.pids.empty()) throw usage_error("give a command after '--' or -p PID (see 'syscribe record --help')");
  if (!ro.command.empty() && !ro.pids.empty()) throw usage_error("give either a command or -p PID, not both");
  ro.results = p.vm.count("results") > 0;
  ro.stacks = p.vm.count("stacks") > 0;
  if (ro.stacks && !tracer::stacks_available())
    throw usage_error("--stacks: this build of syscribe has no unwinder (built without libdw, or static)");
  tracer::LifecyclePlan life = lifecycle_plan(p.vm);
  if (life.drives() && ro.command.empty()) throw usage_error("--ready, --traffic and --reload need a launched command, not -p");
  if (life.ready || life.drives()) {
    ro.first_phase = "startup";
    ro.signal_phases = {{life.reload_signal, "reload"}, {life.stop_signal, "shutdown"},
                        {SIGINT, "shutdown"},           {SIGQUIT, "shutdown"}};
  }
  ro.mode = parse_mode(p.vm["engine"].as<std::string>(), p.vm["mode"].as<std::string>());
  if (!ro.pids.empty() && ro.mode == tracer::Mode::notify)
    throw usage_error("--engine notify needs a launched command: attach mode (-p) uses ptrace");
  if (ro.mode == tracer::Mode::notify && (ro.results || ro.stacks))
    throw usage_error("--engine notify cannot see results (--results) or stacks (--stacks); use --engine ptrace");
  // Attach mode is always the ptrace engine: --engine ptrace is its automatic choice.
  if (!ro.pids.empty() && p.vm["mode"].as<std::string>() == "auto") ro.mode = tracer::Mode::automatic;
  double checkpoint = 0;
  if (p.vm.count("checkpoint")) {
    checkpoint = p.vm["checkpoint"].as<double>();
    if (!(checkpoint > 0)) throw usage_error("--checkpoint needs a number of seconds above 0");
  }
  bool quiet = p.vm.count("quiet") > 0;
  const std::string out = p.vm["output"].as<std::string>();
  if (out == "-" && !ro.command.empty())
    throw usage_error("-o -: a launched workload shares syscribe's stdout; write the evidence to a file (-o FILE)");
  if (out != "-") check_writable(out);
  std::string profile_out = p.vm.count("profile") ? p.vm["profile"].as<std::string>() : "";
  if (!profile_out.empty()) {
    if (out == "-") throw usage_error("--profile needs the evidence in a file (-o FILE)");
    check_writable(profile_out);
  }
  if (p.vm.count("review") && profile_out.empty()) throw usage_error("--review needs --profile");

  // The recorder owns the phase clock, so the watch asks through this pointer, set below.
  tracer::Recorder* recorder = nullptr;
  auto phase_now = [&recorder] { return recorder->phases().current_name(); };
  ReadyWatch watch = ready_watch(life, phase_now);
  if (watch.syscall)
    ro.on_main_syscall = [&watch](const tracer::SyscallStop& s) { watch.main_syscall(s.arch, s.nr); };
  if (watch.tap) {
    ro.stdout_fd = watch.tap->child_stdout();
    ro.stderr_fd = watch.tap->child_stderr();
  }
  std::map<std::string, std::string> container;
  if (p.vm.count("container"))
    for (const auto& kv : p.vm["container"].as<std::vector<std::string>>()) {
      size_t eq = kv.find('=');
      if (eq == 0 || eq == std::string::npos) throw usage_error(fmt::format("--container '{}': give KEY=VALUE", kv));
      container[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  gen::Known known;
  if (p.vm.count("known")) {
    if (!ro.pids.empty()) throw usage_error("--known needs a launched command: attach mode (-p) cannot install a filter");
    if (ro.mode == tracer::Mode::ptrace_syscall) throw usage_error("--known needs --mode seccomp (or auto)");
    std::vector<sys::Arch> arches{sys::host_arch()};
    for (sys::Arch a : sys::compat_arches(sys::host_arch())) arches.push_back(a);
    known = gen::read_known(p.vm["known"].as<std::string>(), arches);
    if (watch.syscall) {  // readiness must see it
      known.names.erase(std::string(watch.syscall->name));
      for (auto& [arch, calls] : known.tuples) calls.erase(std::string(watch.syscall->name));
    }
    gen::KnownFilter f = gen::known_filter(known, arches);
    if (f.dropped)
      std::cerr << fmt::format("syscribe record: --known: {} argument tuples of {} left out of the filter to stay "
                               "within the kernel's {} instructions: those calls stop and are recorded\n",
                               f.dropped, fmt::join(f.dropped_syscalls, ", "), BPF_MAXINSNS);
    ro.filter.resize(f.bpf.size() / sizeof(sock_filter));
    std::memcpy(ro.filter.data(), f.bpf.data(), ro.filter.size() * sizeof(sock_filter));
    known = std::move(f.used);
  }
  tracer::Recorder rec(std::move(ro));
  recorder = &rec;
  // The socket exists before the workload starts, which inherits its path.
  auto control_socket = open_control_socket(p.vm, rec.phases(), "record");
  tracer::Progress progress(STDERR_FILENO, !quiet);
  double next_checkpoint = checkpoint;
  rec.start();
  if (watch.tap) watch.tap->started();
  // Progress and checkpoints run from the main loop, between stops: the aggregate is
  // consistent there without locks.
  auto tick = [&] {
    double now = rec.phases().now();
    progress.update(now, rec.stats(), rec.phases().current_name());
    if (checkpoint > 0 && now >= next_checkpoint && out != "-") {
      next_checkpoint = now + checkpoint;
      try {
        ev::Evidence partial = rec.evidence();
        for (auto& r : partial.recordings) r.complete = false;  // no exit status yet
        ev::write_evidence(out, partial);
      } catch (const Error& e) {
        progress.clear();
        std::cerr << "syscribe record: checkpoint: " << e.what() << "\n";
      }
    }
  };
  // The lifecycle driver: only the recorder's thread may touch ptrace, so it acts through
  // the recorder's thread-safe requests (phase switches, signals to the main process).
  // The driver switches to reload or shutdown as it sends the signal; when the recorder
  // then sees the signal's delivery, the phase is already current and no second mark is made.
  tracer::LifecycleDriver driver(
      life, {[&](const std::string& phase, const std::string& source) { rec.phases().switch_to(phase, source); },
             [&](int sig) { rec.request_signal(sig); },
             [&](const std::string& line) { progress.note("syscribe record: " + line); }});
  tracer::RecordResult res = rec.run(tick);
  driver.finished(res.exit_status);
  if (watch.tap) watch.tap->finish();
  progress.clear();
  ev::Evidence evidence = rec.evidence();
  for (auto& r : evidence.recordings) {
    r.known.assign(known.names.begin(), known.names.end());
    r.known_tuples = known.tuples;
    r.known_arches.assign(known.arches.begin(), known.arches.end());
    r.container = container;
  }
  ev::write_evidence(out, evidence);
  if (!quiet) {
    print_summary(rec, res, out);
    if (!known.names.empty() || !known.tuples.empty())
      std::cerr << fmt::format("syscribe record: {} known syscalls, and {} known argument tuples, ran without stopping "
                               "and were not counted (--known)\n",
                               known.names.size(), known.tuple_count());
    print_phases(evidence);
  }
  if (!profile_out.empty()) {
    // One step: exactly what 'syscribe generate' does with this evidence.
    Args gen_args{out, "-o", profile_out};
    if (p.vm.count("review")) gen_args.insert(gen_args.end(), {"--review", p.vm["review"].as<std::string>()});
    if (quiet) gen_args.push_back("--quiet");
    if (int rc = cmd_generate(gen_args); rc != 0) return rc;
  }
  if (life.drives()) return lifecycle_exit(life, driver.failure(), res.exit_status, "record");
  return res.exit_status;
}

}  // namespace syscribe::cli
