#include "cli/lifecycle_options.h"

#include <csignal>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::cli {

int parse_signal(const std::string& text, const char* option) {
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev && name == abbrev) return sig;
  }
  try {
    size_t used = 0;
    int n = std::stoi(text, &used);
    if (used == text.size() && n > 0 && n < NSIG) return n;
  } catch (const std::exception&) {
  }
  throw usage_error(fmt::format("{} {}: unknown signal", option, text));
}

void add_lifecycle_options(po::options_description& opts) {
  opts.add_options()
      ("ready", po::value<std::string>(), "the workload is serving once this holds: tcp:HOST:PORT, unix:PATH, file:PATH (created, or changed if it already existed), delay:SECONDS, syscall:NAME (the main process's first call), log:REGEX (a line of its stdout/stderr, passed through)")
      ("ready-timeout", po::value<double>()->default_value(30), "seconds to wait for --ready before giving up")
      ("traffic", po::value<std::string>(), "shell command run (untraced, in a process group of its own) once ready; then the workload is stopped. Ended if the workload exits first or syscribe is stopped")
      ("traffic-timeout", po::value<double>()->default_value(300), "seconds each traffic command may run; then its process group is stopped and syscribe exits 1 naming it (0: no limit)")
      ("reload", "after the traffic, send the reload signal, wait until ready, run the traffic again")
      ("reload-traffic", po::value<std::string>(), "with --reload: run this instead of --traffic after the reload")
      ("reload-signal", po::value<std::string>()->default_value("HUP"), "the signal that makes the workload reload")
      ("stop-signal", po::value<std::string>()->default_value("TERM"), "the signal that stops the workload")
      ("stop-timeout", po::value<double>()->default_value(10), "seconds to wait after the stop signal before SIGKILL to the whole process tree")
      ("control", po::value<std::string>(), "control socket for 'syscribe mark' (default: $XDG_RUNTIME_DIR or /tmp, syscribe-PID.sock; printed at start); refused if it exists and is not a stale socket");
}

std::unique_ptr<tracer::ControlSocket> open_control_socket(const po::variables_map& vm, tracer::PhaseClock& clock,
                                                           const std::string& command_name) {
  std::string path = vm.count("control") ? vm["control"].as<std::string>() : tracer::default_control_path();
  auto socket = std::make_unique<tracer::ControlSocket>(path, clock);
  setenv(tracer::kControlEnv, path.c_str(), 1);
  if (!vm.count("quiet"))
    std::cerr << fmt::format("syscribe {}: control socket {} (syscribe mark --control {} PHASE)\n", command_name, path,
                             path);
  return socket;
}

tracer::LifecyclePlan lifecycle_plan(const po::variables_map& vm) {
  tracer::LifecyclePlan plan;
  if (vm.count("ready")) plan.ready = tracer::parse_readiness(vm["ready"].as<std::string>());
  // Before launch: a port or socket something else already serves would count as ready at once.
  if (plan.ready && plan.ready->kind == tracer::Readiness::Kind::tcp && tracer::tcp_connects(plan.ready->host, plan.ready->port))
    throw usage_error(fmt::format("--ready {}: another process already accepts connections there, so readiness would "
                                  "hold before the workload starts; stop it or choose another port",
                                  plan.ready->text));
  if (plan.ready && plan.ready->kind == tracer::Readiness::Kind::unix_socket && tracer::unix_connects(plan.ready->path))
    throw usage_error(fmt::format("--ready {}: another process already accepts connections there, so readiness would "
                                  "hold before the workload starts",
                                  plan.ready->text));
  plan.ready_timeout = vm["ready-timeout"].as<double>();
  if (vm.count("traffic")) plan.traffic = vm["traffic"].as<std::string>();
  if (vm.count("reload-traffic")) plan.reload_traffic = vm["reload-traffic"].as<std::string>();
  plan.reload = vm.count("reload") > 0;
  plan.reload_signal = parse_signal(vm["reload-signal"].as<std::string>(), "--reload-signal");
  plan.stop_signal = parse_signal(vm["stop-signal"].as<std::string>(), "--stop-signal");
  plan.stop_timeout = vm["stop-timeout"].as<double>();
  plan.traffic_timeout = vm["traffic-timeout"].as<double>();
  if (!(plan.traffic_timeout >= 0)) throw usage_error("--traffic-timeout needs a number of seconds, 0 (no limit) or more");
  if (!(plan.ready_timeout > 0)) throw usage_error("--ready-timeout needs a number of seconds above 0");
  if (!(plan.stop_timeout >= 0)) throw usage_error("--stop-timeout needs a number of seconds, 0 or more");
  if (!plan.reload_traffic.empty() && !plan.reload) throw usage_error("--reload-traffic needs --reload");
  if (!plan.traffic.empty() && !plan.ready && !vm.count("quiet"))
    std::cerr << "syscribe: warning: --traffic without --ready: the traffic starts at launch and no serving phase is marked\n";
  return plan;
}

ReadyWatch ready_watch(const tracer::LifecyclePlan& plan, std::function<std::string()> phase) {
  ReadyWatch w;
  if (!plan.ready || !plan.ready->event) return w;
  w.event = plan.ready->event;
  if (plan.ready->kind == tracer::Readiness::Kind::syscall) {
    w.syscall = sys::find(plan.ready->syscall);
    if (!w.syscall) throw usage_error(fmt::format("--ready {}: unknown syscall '{}'", plan.ready->text, plan.ready->syscall));
    if (!w.syscall->exists_on(sys::host_arch()))
      std::cerr << fmt::format("syscribe: warning: --ready {}: {} has no number on {}\n", plan.ready->text,
                               plan.ready->syscall, sys::arch_name(sys::host_arch()));
    w.phase = std::move(phase);
  } else {
    w.tap = std::make_unique<tracer::OutputTap>(plan.ready->pattern, plan.ready->event, std::move(phase));
  }
  return w;
}

int lifecycle_exit(const tracer::LifecyclePlan& plan, const std::string& failure, int workload_status,
                   const std::string& command_name) {
  if (!failure.empty()) {
    std::cerr << "syscribe " << command_name << ": " << failure << "\n";
    return kExitFailure;
  }
  if (workload_status != 0 && workload_status != 128 + plan.stop_signal) {
    std::cerr << fmt::format("syscribe {}: the workload {} during its lifecycle\n", command_name,
                             tracer::describe_exit_status(workload_status));
    return workload_status;
  }
  return 0;
}

}  // namespace syscribe::cli
