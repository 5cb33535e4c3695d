// The pieces `syscribe record` uses to drive a workload through its lifecycle:
// readiness conditions and commands run beside the recording (traffic), untraced.
#pragma once

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>
#include <thread>

namespace syscribe::tracer {

// Readiness the workload signals itself (syscall:NAME, log:REGEX). Whoever sees the
// event (the recorder's loop, the output tap, the notification supervisor) calls note()
// with the phase current then; the driver waits for one in the phase it expects. It
// starts armed for an event in any phase (the first readiness after launch).
class ReadyEvent {
 public:
  // From now on, wait for an event noted in `phase` (empty: any phase).
  void arm(const std::string& phase);
  // One relaxed load: callers skip their matching work while nothing waits.
  bool armed() const { return armed_.load(std::memory_order_relaxed); }
  void note(const std::string& phase);
  // True once the awaited event happened; waits up to `seconds` for it.
  bool wait(double seconds);

 private:
  std::atomic<bool> armed_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string want_;
  bool fired_ = false;
};

// A file as stat() saw it: what `--ready file:` compares against.
struct FileState {
  dev_t dev = 0;
  ino_t ino = 0;
  timespec mtime{};
  off_t size = 0;
  bool operator==(const FileState& o) const {
    return dev == o.dev && ino == o.ino && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           size == o.size;
  }
};

// A readiness condition: "tcp:HOST:PORT" (a connect succeeds), "unix:PATH" (likewise),
// "file:PATH" (the file is created, or changed if it existed before launch),
// "delay:SECONDS", "syscall:NAME" (the main process's first call of NAME) or "log:REGEX"
// (a line of the workload's stdout or stderr matches).
struct Readiness {
  enum class Kind { tcp, unix_socket, file, delay, syscall, log };
  Kind kind = Kind::delay;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix, file
  // file: the file as it was when the option was read, before launch (a stale pid file);
  // while set, the file must differ from it (new inode, mtime or size) to count.
  std::optional<FileState> stale;
  double seconds = 0;  // delay
  std::string syscall;  // syscall: the name as given (checked against the tables by the caller)
  std::string pattern;  // log: an ECMAScript regular expression, searched in each line
  std::shared_ptr<ReadyEvent> event;  // syscall, log
  std::string text;  // as given, for messages and evidence marks
};

// Parses a --ready value; throws a usage Error naming what is wrong. For file:PATH it
// notes the file's state now, so call it before the workload is launched.
Readiness parse_readiness(const std::string& spec);

// Polls the condition every 50 ms until it holds (true) or `timeout` seconds pass, or
// `*cancel` becomes true (false).
bool wait_ready(const Readiness& r, double timeout, const volatile bool* cancel);

// True when something accepts a TCP connection at HOST:PORT.
bool tcp_connects(const std::string& host, const std::string& port);
// True when something accepts a stream connection on the unix socket at `path`.
bool unix_connects(const std::string& path);

// Runs `/bin/sh -c command` untraced and returns its wait status (as waitpid gives it).
// The shell runs as a grandchild, so the tracer's waitpid(-1) never reaps it; the status
// comes back over a pipe. stdin is /dev/null; stdout and stderr are ours; signal
// dispositions and mask are reset. The command runs in a process group of its own, whose
// id `on_group` gets as soon as it exists (kill(-id, SIGTERM) ends the command); if our
// process dies, even by SIGKILL, that group gets SIGTERM, then SIGKILL a second later.
// With `timeout` > 0, a command still running after that many seconds has its group sent
// SIGTERM, then SIGKILL a second later, and *timed_out is set.
int run_untraced(const std::string& command, const std::function<void(pid_t group)>& on_group = {},
                 double timeout = 0, bool* timed_out = nullptr);

// "exit status N" or "killed by SIGNAME", for a wait status.
std::string describe_wait_status(int status);
// The same for a status as the recorder reports it (128+N for a death by signal N):
// "exited 1", "was killed by SIGSYS (status 159)".
std::string describe_exit_status(int status);

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
  double traffic_timeout = 300;  // seconds for each traffic command; 0: no limit
  // Whether anything is to be driven at all.
  bool drives() const { return ready.has_value() || !traffic.empty() || reload; }
};

// How the driver acts on the workload; both are called from the driver's thread.
struct LifecycleHooks {
  std::function<void(const std::string& phase, const std::string& source)> switch_phase;
  std::function<void(int sig)> send_signal;  // to the workload's main process
  // Optional: one line for the operator at each step (ready, traffic done, signal sent).
  std::function<void(const std::string& line)> announce;
};

// Drives the workload on its own thread: wait until ready (phase "serving"), run the
// traffic, optionally reload (signal, ready again, traffic again), send the stop signal,
// and SIGKILL after the stop timeout. Without traffic or reload, it only marks readiness.
// No signal is sent once finished() was called.
class LifecycleDriver {
 public:
  LifecycleDriver(LifecyclePlan plan, LifecycleHooks hooks);
  ~LifecycleDriver();
  LifecycleDriver(const LifecycleDriver&) = delete;
  LifecycleDriver& operator=(const LifecycleDriver&) = delete;

  // The workload is gone (its status as the recorder reports it: 128+N for signal N):
  // stops waiting, ends a traffic command still running (its process group gets SIGTERM,
  // then SIGKILL once its shell has ended, or after a second) and joins the thread. Call before failure(). When the
  // workload went before the driver sent the stop signal, that is the failure.
  void finished(int workload_status);
  // Empty when everything asked for succeeded; else what failed, for one line.
  const std::string& failure() const { return failure_; }

 private:
  // Where the driver is; what the workload was doing if it goes unexpectedly.
  enum class Stage { ready, traffic, reload_ready, reload_traffic, stopping };

  void drive();
  bool ready(const char* when);
  bool traffic(const std::string& command, const char* what);
  void enter(Stage stage);
  // Unless finished: switches to `phase` (source "sent SIGxxx"), then the send_signal hook.
  void send(int sig, const char* phase);
  void fail(const std::string& why);    // the first failure, unless finished
  void say(const std::string& line) const;
  void end(std::optional<int> workload_status);

  LifecyclePlan plan_;
  LifecycleHooks hooks_;
  std::mutex mu_;  // guards what follows, but plan_ and hooks_
  std::condition_variable cv_;
  bool finished_ = false;
  volatile bool cancel_ = false;
  Stage stage_ = Stage::ready;
  pid_t traffic_group_ = 0;  // of the traffic command running now
  std::string failure_;
  std::thread thread_;
};

}  // namespace syscribe::tracer
