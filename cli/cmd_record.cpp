// syscribe record: launch a command (or attach to PIDs) under the tracer and write
// what it asked the kernel for as evidence.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence.h"
#include "tracer/control_socket.h"
#include "tracer/progress.h"
#include "tracer/recorder.h"

namespace syscribe::cli {

namespace {

tracer::Mode parse_mode(const std::string& text) {
  if (text == "auto") return tracer::Mode::automatic;
  if (text == "seccomp") return tracer::Mode::seccomp;
  if (text == "ptrace-syscall") return tracer::Mode::ptrace_syscall;
  throw usage_error(fmt::format("unknown --mode '{}' (auto, seccomp, ptrace-syscall)", text));
}

void print_summary(const tracer::Recorder& r, const tracer::RecordResult& res, const std::string& out) {
  tracer::LiveStats s = r.stats();
  std::string per_arch;
  for (const auto& [arch, n] : r.distinct_per_arch()) per_arch += fmt::format("{}{} {}", per_arch.empty() ? "" : ", ", n, arch);
  if (per_arch.empty()) per_arch = "none";
  std::cerr << fmt::format("syscribe record: {} mode{}; {} processes, {} syscalls; distinct: {}\n", res.mode,
                           res.detached ? ", detached" : "", s.processes_seen, s.syscalls, per_arch)
            << fmt::format("syscribe record: evidence written to {}\n", out);
}

}  // namespace

int cmd_record(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("output,o", po::value<std::string>()->default_value("syscribe.evidence.json"), "evidence file to write")
      ("pid,p", po::value<std::vector<int>>(), "attach to this running process (repeatable)")
      ("results", "also stop at syscall exit and record error results (about twice the cost)")
      ("checkpoint", po::value<double>(), "write the evidence every SECONDS while recording")
      ("mode", po::value<std::string>()->default_value("auto"), "auto, seccomp or ptrace-syscall")
      ("control", po::value<std::string>(), "control socket for 'syscribe mark' (default: /tmp/syscribe-PID.sock)")
      ("quiet,q", "no live status line and no summary");
  auto p = parse_args("record",
                      "syscribe record [OPTIONS] -- CMD [ARGS...]\n"
                      "       syscribe record [OPTIONS] -p PID [-p PID...]",
                      "Launch mode follows CMD and every process it starts, with one stop per syscall\n"
                      "(a seccomp filter returning SECCOMP_RET_TRACE). Attach mode (-p) follows every\n"
                      "thread of PID and its new children with PTRACE_SYSCALL, and detaches on Ctrl-C\n"
                      "or SIGTERM, leaving them running. syscribe exits with the workload's status.\n"
                      "See docs/tracer.md.\n",
                      opts, args, /*takes_command=*/true);
  if (p.help) return 0;
  if (!p.positional.empty()) throw usage_error(fmt::format("unexpected argument '{}'", p.positional[0]));

  tracer::RecordOptions ro;
  ro.command = p.command;
  if (p.vm.count("pid"))
    for (int pid : p.vm["pid"].as<std::vector<int>>()) ro.pids.push_back(pid);
  if (ro.command.empty() && ro.pids.empty()) throw usage_error("give a command after '--' or -p PID (see 'syscribe record --help')");
  if (!ro.command.empty() && !ro.pids.empty()) throw usage_error("give either a command or -p PID, not both");
  ro.results = p.vm.count("results") > 0;
  ro.mode = parse_mode(p.vm["mode"].as<std::string>());
  double checkpoint = 0;
  if (p.vm.count("checkpoint")) {
    checkpoint = p.vm["checkpoint"].as<double>();
    if (!(checkpoint > 0)) throw usage_error("--checkpoint needs a number of seconds above 0");
  }
  bool quiet = p.vm.count("quiet") > 0;
  const std::string out = p.vm["output"].as<std::string>();
  if (out != "-") check_writable(out);

  tracer::Recorder rec(std::move(ro));
  // The socket exists before the workload starts, which inherits its path.
  std::string control = p.vm.count("control") ? p.vm["control"].as<std::string>() : tracer::default_control_path();
  tracer::ControlSocket control_socket(control, rec.phases());
  setenv(tracer::kControlEnv, control.c_str(), 1);
  tracer::Progress progress(STDERR_FILENO, !quiet);
  double next_checkpoint = checkpoint;
  rec.start();
  // Progress and checkpoints run from the main loop, between stops: the aggregate is
  // consistent there without locks.
  auto tick = [&] {
    double now = rec.phases().now();
    progress.update(now, rec.stats());
    if (checkpoint > 0 && now >= next_checkpoint && out != "-") {
      next_checkpoint = now + checkpoint;
      try {
        ev::write_evidence(out, rec.evidence());
      } catch (const Error& e) {
        progress.clear();
        std::cerr << "syscribe record: checkpoint: " << e.what() << "\n";
      }
    }
  };
  tracer::RecordResult res = rec.run(tick);
  progress.clear();
  ev::write_evidence(out, rec.evidence());
  if (!quiet) print_summary(rec, res, out);
  return res.exit_status;
}

}  // namespace syscribe::cli
