// The pieces `syscribe record` uses to drive a workload through its lifecycle:
// readiness conditions and commands run beside the recording (traffic), untraced.
#pragma once

#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace syscribe::tracer {

// A readiness condition: "tcp:HOST:PORT" (a connect succeeds), "unix:PATH" (likewise),
// "file:PATH" (the file exists) or "delay:SECONDS".
struct Readiness {
  enum class Kind { tcp, unix_socket, file, delay };
  Kind kind = Kind::delay;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix, file
  double seconds = 0;  // delay
  std::string text;  // as given, for messages and evidence marks
};

// Parses a --ready value; throws a usage Error naming what is wrong.
Readiness parse_readiness(const std::string& spec);

// Polls the condition every 50 ms until it holds (true) or `timeout` seconds pass, or
// `*cancel` becomes true (false).
bool wait_ready(const Readiness& r, double timeout, const volatile bool* cancel);

// Runs `/bin/sh -c command` untraced and returns its exit status (128+N for signal N).
// The shell runs as a grandchild, so the tracer's waitpid(-1) never reaps it; the status
// comes back over a pipe. stdin is /dev/null; stdout and stderr are ours.
int run_untraced(const std::string& command);

// What the lifecycle options ask for (record and run share them).
struct LifecyclePlan {
  std::optional<Readiness> ready;
  double ready_timeout = 30;
  std::string traffic;         // shell command run once ready
  std::string reload_traffic;  // after the reload (default: traffic again)
  bool reload = false;
  int reload_signal = SIGHUP;
  int stop_signal = SIGTERM;
  double stop_timeout = 10;
  // Whether anything is to be driven at all.
  bool drives() const { return ready.has_value() || !traffic.empty() || reload; }
};

// How the driver acts on the workload; both are called from the driver's thread.
struct LifecycleHooks {
  std::function<void(const std::string& phase, const std::string& source)> switch_phase;
  std::function<void(int sig)> send_signal;  // to the workload's main process
};

// Drives the workload on its own thread: wait until ready (phase "serving"), run the
// traffic, optionally reload (signal, ready again, traffic again), send the stop signal,
// and SIGKILL after the stop timeout. Without traffic or reload, it only marks readiness.
class LifecycleDriver {
 public:
  LifecycleDriver(LifecyclePlan plan, LifecycleHooks hooks);
  ~LifecycleDriver();
  LifecycleDriver(const LifecycleDriver&) = delete;
  LifecycleDriver& operator=(const LifecycleDriver&) = delete;

  // The workload is gone: stops waiting and joins the thread. Call before failure().
  void finished();
  // Empty when everything asked for succeeded; else what failed, for one line.
  const std::string& failure() const { return failure_; }

 private:
  void drive();
  bool ready(const char* when);
  bool traffic(const std::string& command);

  LifecyclePlan plan_;
  LifecycleHooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;
  volatile bool cancel_ = false;
  std::string failure_;
  std::thread thread_;
};

}  // namespace syscribe::tracer
