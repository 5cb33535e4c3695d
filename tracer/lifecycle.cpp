#include "tracer/lifecycle.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <set>
#include <vector>
#include <chrono>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <regex>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "tracer/launch.h"

namespace syscribe::tracer {

namespace {


std::optional<FileState> file_state(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileState{st.st_dev, st.st_ino, st.st_mtim, st.st_size};
}

bool file_ready(const Readiness& r) {
  std::optional<FileState> now = file_state(r.path);
  return now && !(r.stale && *now == *r.stale);
}

// The traffic runner's own state: set by its SIGUSR1 handler, the signal the kernel sends
// it when our process (the thread that forked it) dies.
volatile sig_atomic_t g_orphaned = 0;
void on_orphaned(int) { g_orphaned = 1; }


// What a stop signal did not end, as "sh (pid 123)": the processes one of our threads
// traces and those below us (a subreaper keeps orphans there), alive and not zombies.
std::vector<std::string> still_running() {
  std::set<std::string> ours;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ours.insert(e->d_name);
    closedir(d);
  }
  struct Proc {
    std::string name, state, tracer;
    pid_t ppid = 0;
  };
  std::map<pid_t, Proc> procs;
  DIR* d = opendir("/proc");
  if (!d) return {};
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/status");
    std::string line;
    Proc p;
    while (std::getline(in, line)) {
      if (line.rfind("Name:\t", 0) == 0) p.name = line.substr(6);
      else if (line.rfind("State:\t", 0) == 0) p.state = line.substr(7, 1);
      else if (line.rfind("PPid:\t", 0) == 0) p.ppid = std::atoi(line.c_str() + 6);
      else if (line.rfind("TracerPid:\t", 0) == 0) p.tracer = line.substr(11);
    }
    if (!p.name.empty()) procs[std::atoi(e->d_name)] = p;
  }
  closedir(d);
  pid_t self = getpid();
  auto below_us = [&](pid_t pid) {
    for (int depth = 0; depth < 64 && pid > 1; ++depth) {
      auto it = procs.find(pid);
      if (it == procs.end()) return false;
      if (it->second.ppid == self) return true;
      pid = it->second.ppid;
    }
    return false;
  };
  std::vector<std::string> out;
  for (const auto& [pid, p] : procs)
    if (p.state != "Z" && p.state != "X" && (ours.count(p.tracer) || below_us(pid)))
      out.push_back(fmt::format("{} (pid {})", p.name, pid));
  return out;
}
}  // namespace

bool tcp_connects(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
  bool ok = false;
  for (addrinfo* a = res; a && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

bool unix_connects(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  path.copy(addr.sun_path, path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return name ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", WTERMSIG(status));
  }
  return fmt::format("exit status {}", WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

std::string describe_exit_status(int status) {
  if (status > 128 && status < 128 + NSIG) {
    const char* name = sigabbrev_np(status - 128);
    if (name) return fmt::format("was killed by SIG{} (status {})", name, status);
  }
  return fmt::format("exited {}", status);
}

void ReadyEvent::arm(const std::string& phase) {
  std::lock_guard<std::mutex> lock(mu_);
  want_ = phase;
  fired_ = false;
  armed_.store(true, std::memory_order_relaxed);
}

void ReadyEvent::note(const std::string& phase) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!armed_.load(std::memory_order_relaxed) || (!want_.empty() && want_ != phase)) return;
  fired_ = true;
  armed_.store(false, std::memory_order_relaxed);
  cv_.notify_all();
}

bool ReadyEvent::wait(double seconds) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return fired_; });
}

Readiness parse_readiness(const std::string& spec) {
  Readiness r;
  r.text = spec;
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto bad = [&](const std::string& why) {
    return usage_error(fmt::format("--ready {}: {} (tcp:HOST:PORT, unix:PATH, file:PATH, delay:SECONDS, syscall:NAME, log:REGEX)", spec, why));
  };
  if (rest.empty()) throw bad("missing the part after the colon");
  if (kind == "tcp") {
    auto last = rest.rfind(':');
    if (last == std::string::npos || last == 0 || last + 1 == rest.size()) throw bad("expected tcp:HOST:PORT");
    r.kind = Readiness::Kind::tcp;
    r.host = rest.substr(0, last);
    if (r.host.size() > 2 && r.host.front() == '[' && r.host.back() == ']') r.host = r.host.substr(1, r.host.size() - 2);
    r.port = rest.substr(last + 1);
    bool digits = r.port.size() <= 5 && std::all_of(r.port.begin(), r.port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(r.port) < 1 || std::stoi(r.port) > 65535) throw bad("the port must be a number from 1 to 65535");
  } else if (kind == "unix") {
    r.kind = Readiness::Kind::unix_socket;
    r.path = rest;
  } else if (kind == "file") {
    r.kind = Readiness::Kind::file;
    r.path = rest;
    r.stale = file_state(rest);
  } else if (kind == "delay") {
    r.kind = Readiness::Kind::delay;
    try {
      size_t used = 0;
      r.seconds = std::stod(rest, &used);
      if (used != rest.size() || r.seconds < 0) throw std::invalid_argument(rest);
    } catch (const std::exception&) {
      throw bad("expected a number of seconds");
    }
  } else if (kind == "syscall") {
    r.kind = Readiness::Kind::syscall;
    r.syscall = rest;
    r.event = std::make_shared<ReadyEvent>();
  } else if (kind == "log") {
    r.kind = Readiness::Kind::log;
    r.pattern = rest;
    try {
      std::regex check(rest);
    } catch (const std::regex_error& e) {
      throw bad(fmt::format("not a regular expression: {}", e.what()));
    }
    r.event = std::make_shared<ReadyEvent>();
  } else {
    throw bad(fmt::format("unknown kind '{}'", kind));
  }
  return r;
}

bool wait_ready(const Readiness& r, double timeout, const volatile bool* cancel) {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  for (;;) {
    if (cancel && *cancel) return false;
    bool ready = false;
    switch (r.kind) {
      case Readiness::Kind::tcp: ready = tcp_connects(r.host, r.port); break;
      case Readiness::Kind::unix_socket: ready = unix_connects(r.path); break;
      case Readiness::Kind::file: ready = file_ready(r); break;
      case Readiness::Kind::delay: ready = elapsed() >= r.seconds; break;
      case Readiness::Kind::syscall:
      case Readiness::Kind::log: ready = r.event->wait(std::min(0.05, std::max(0.0, timeout - elapsed()))); break;
    }
    if (ready) return true;
    if (elapsed() >= timeout) return false;
    // The workload's own events wake the wait above at once; the rest is polled.
    if (!r.event) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int run_untraced(const std::string& command, const std::function<void(pid_t group)>& on_group, double timeout,
                 bool* timed_out) {
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) throw system_error("pipe", errno);
  pid_t parent = getpid();
  // Signals stay blocked until the runner has its own dispositions: none of ours may run
  // in it, and a SIGTERM to its group must not kill it early.
  pid_t runner = fork_with_default_signals(ResetSignals::all, true);
  if (runner < 0) throw system_error("fork", errno);
  if (runner == 0) {
    // A child of a threaded process: async-signal-safe calls only, up to the exec.
    setpgid(0, 0);
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    // The runner outlives a SIGTERM to its group, to send SIGKILL after it if need be.
    sa.sa_handler = SIG_IGN;
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_orphaned;
    sigaction(SIGUSR1, &sa, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    if (getppid() != parent) g_orphaned = 1;
    int st = 0;
    pid_t sh = g_orphaned ? -1 : fork();
    if (sh == 0) {
      sa.sa_handler = SIG_DFL;
      sigaction(SIGTERM, &sa, nullptr);
      sigaction(SIGUSR1, &sa, nullptr);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    st = 127 << 8;
    while (sh > 0 && !g_orphaned) {
      pid_t got = waitpid(sh, &st, 0);
      if (got == sh || (got < 0 && errno != EINTR)) break;
    }
    if (g_orphaned) {
      kill(0, SIGTERM);
      timespec second{1, 0};
      nanosleep(&second, nullptr);
      kill(0, SIGKILL);  // the runner too
    }
    (void)!write(status_pipe[1], &st, sizeof st);
    _exit(0);
  }
  setpgid(runner, runner);  // as the child does: the group exists before on_group hears of it
  close(status_pipe[1]);
  if (on_group) on_group(runner);
  if (timed_out) *timed_out = false;
  if (timeout > 0) {
    // The runner ignores SIGTERM and reports the shell's status once it has ended; SIGKILL
    // a second later ends whatever in the group ignored SIGTERM (the runner too: its status
    // then never comes, which reads as 127).
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::duration<double>(timeout);
    bool termed = false;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      pollfd pfd{status_pipe[0], POLLIN, 0};
      int rc = poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left)));
      if (rc > 0) break;
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) break;
      if (!termed) {
        termed = true;
        if (timed_out) *timed_out = true;
        kill(-runner, SIGTERM);
        deadline = clock::now() + std::chrono::seconds(1);
        continue;
      }
      kill(-runner, SIGKILL);
      break;
    }
  }
  int status = 127 << 8;
  ssize_t n;
  do {
    n = read(status_pipe[0], &status, sizeof status);
  } while (n < 0 && errno == EINTR);
  close(status_pipe[0]);
  // Reaped here or by whoever waits for all our children (the recorder's loop).
  waitpid(runner, nullptr, 0);
  return n == static_cast<ssize_t>(sizeof status) ? status : 127 << 8;
}

LifecycleDriver::LifecycleDriver(LifecyclePlan plan, LifecycleHooks hooks)
    : plan_(std::move(plan)), hooks_(std::move(hooks)) {
  if (plan_.drives()) thread_ = std::thread([this] { drive(); });
}

LifecycleDriver::~LifecycleDriver() { end(std::nullopt); }

void LifecycleDriver::finished(int workload_status) { end(workload_status); }

void LifecycleDriver::end(std::optional<int> workload_status) {
  pid_t group = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finished_ && workload_status && failure_.empty() && (!plan_.traffic.empty() || plan_.reload)) {
      // "exited (status 0)", or "was killed by SIGSYS (status 159)".
      std::string gone = describe_exit_status(*workload_status);
      if (gone.rfind("exited", 0) == 0) gone = fmt::format("exited (status {})", *workload_status);
      switch (stage_) {
        case Stage::ready: failure_ = fmt::format("the workload {} before it was ready", gone); break;
        case Stage::traffic:
          failure_ = fmt::format("the workload {} while the traffic command was running", gone);
          break;
        case Stage::reload_ready:
          failure_ = fmt::format("the workload {} after the reload signal, before it was ready again", gone);
          break;
        case Stage::reload_traffic:
          failure_ = fmt::format("the workload {} while the reload traffic command was running", gone);
          break;
        case Stage::stopping: break;
      }
    }
    finished_ = true;
    cancel_ = true;
    group = traffic_group_;
  }
  cv_.notify_all();
  if (group > 0) {
    // The traffic's whole group gets SIGTERM; once its shell has ended (or after a second),
    // SIGKILL for anything left in the group.
    kill(-group, SIGTERM);
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return traffic_group_ != group; });
    }
    kill(-group, SIGKILL);
  }
  if (thread_.joinable()) thread_.join();
}

void LifecycleDriver::enter(Stage stage) {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = stage;
}

void LifecycleDriver::send(int sig, const char* phase) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  // Before the signal: a workload that takes it through signalfd or sigwait has no
  // signal-delivery stop a tracer could switch on.
  hooks_.switch_phase(phase, fmt::format("sent SIG{}", sigabbrev_np(sig)));
  hooks_.send_signal(sig);
  say(fmt::format("sent SIG{} to the workload: phase {}", sigabbrev_np(sig), phase));
}

void LifecycleDriver::say(const std::string& line) const {
  if (hooks_.announce) hooks_.announce(line);
}

void LifecycleDriver::fail(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!finished_ && failure_.empty()) failure_ = why;
}

bool LifecycleDriver::ready(const char* when) {
  if (!plan_.ready) return true;
  if (wait_ready(*plan_.ready, plan_.ready_timeout, &cancel_)) return true;
  fail(fmt::format("the workload was not ready ({}) within {} s {}", plan_.ready->text, plan_.ready_timeout, when));
  return false;
}

bool LifecycleDriver::traffic(const std::string& command, const char* what) {
  if (command.empty()) return true;
  bool timed_out = false;
  int status = run_untraced(
      command,
      [this](pid_t group) {
        std::lock_guard<std::mutex> lock(mu_);
        if (finished_) kill(-group, SIGKILL);  // finished() came first: the command has not started
        else traffic_group_ = group;
      },
      plan_.traffic_timeout, &timed_out);
  {
    std::lock_guard<std::mutex> lock(mu_);
    traffic_group_ = 0;
  }
  cv_.notify_all();
  if (timed_out) {
    fail(fmt::format("the {} did not end within {} s (--traffic-timeout): stopped: {}", what, plan_.traffic_timeout,
                     command));
    return false;
  }
  if (status != 0) fail(fmt::format("the {} failed ({}): {}", what, describe_wait_status(status), command));
  if (status == 0 && !cancel_) say(fmt::format("the {} ended", what));
  return status == 0 && !cancel_;
}

void LifecycleDriver::drive() {
  bool ok = ready("after launch");
  if (ok && plan_.ready) {
    hooks_.switch_phase("serving", "ready " + plan_.ready->text);
    say(fmt::format("ready ({}): phase serving", plan_.ready->text));
  }
  if (ok) {
    enter(Stage::traffic);
    ok = traffic(plan_.traffic, "traffic command");
  }
  if (ok && plan_.reload) {
    // Armed before the signal goes out: only an event of the reload phase counts.
    if (plan_.ready && plan_.ready->event) plan_.ready->event->arm("reload");
    // A pid file written before the reload counts: daemons rarely rewrite it on reload.
    if (plan_.ready) plan_.ready->stale.reset();
    enter(Stage::reload_ready);
    send(plan_.reload_signal, "reload");
    ok = ready("after the reload");
    if (ok && plan_.ready) say(fmt::format("ready again after the reload ({})", plan_.ready->text));
    if (ok) {
      enter(Stage::reload_traffic);
      ok = plan_.reload_traffic.empty() ? traffic(plan_.traffic, "traffic command")
                                        : traffic(plan_.reload_traffic, "reload traffic command");
    }
  }
  if (cancel_) return;
  enter(Stage::stopping);
  if (plan_.traffic.empty() && !plan_.reload && ok) return;  // --ready alone: the workload ends by itself
  send(plan_.stop_signal, "shutdown");
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::duration<double>(plan_.stop_timeout), [this] { return finished_; })) {
    std::vector<std::string> alive = still_running();
    failure_ += fmt::format("{}the workload did not stop within {} s of SIG{}: killed{}{}", failure_.empty() ? "" : "; ",
                            plan_.stop_timeout, sigabbrev_np(plan_.stop_signal),
                            alive.empty() ? "" : "; still running then: ", fmt::join(alive, ", "));
    say(fmt::format("the workload did not stop within {} s: SIGKILL", plan_.stop_timeout));
    hooks_.send_signal(SIGKILL);
  }
}

}  // namespace syscribe::tracer
