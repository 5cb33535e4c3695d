#include "tracer/lifecycle.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fcntl.h>
#include <netdb.h>
#include <regex>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::tracer {

namespace {

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

}  // namespace

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
  } else if (kind == "unix") {
    r.kind = Readiness::Kind::unix_socket;
    r.path = rest;
  } else if (kind == "file") {
    r.kind = Readiness::Kind::file;
    r.path = rest;
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
      case Readiness::Kind::file: ready = access(r.path.c_str(), F_OK) == 0; break;
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

int run_untraced(const std::string& command) {
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) throw system_error("pipe", errno);
  pid_t runner = fork();
  if (runner < 0) throw system_error("fork", errno);
  if (runner == 0) {
    pid_t sh = fork();
    if (sh == 0) {
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, 0);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int st = 0, code = 127;
    if (sh > 0 && waitpid(sh, &st, 0) == sh) code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    (void)!write(status_pipe[1], &code, sizeof code);
    _exit(0);
  }
  close(status_pipe[1]);
  int code = 127;
  ssize_t n;
  do {
    n = read(status_pipe[0], &code, sizeof code);
  } while (n < 0 && errno == EINTR);
  close(status_pipe[0]);
  // The runner itself is reaped by whoever waits for our children (the recorder's loop).
  return n == static_cast<ssize_t>(sizeof code) ? code : 127;
}

LifecycleDriver::LifecycleDriver(LifecyclePlan plan, LifecycleHooks hooks)
    : plan_(std::move(plan)), hooks_(std::move(hooks)) {
  if (plan_.drives()) thread_ = std::thread([this] { drive(); });
}

LifecycleDriver::~LifecycleDriver() { finished(); }

void LifecycleDriver::finished() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    cancel_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LifecycleDriver::ready(const char* when) {
  if (!plan_.ready) return true;
  if (wait_ready(*plan_.ready, plan_.ready_timeout, &cancel_)) return true;
  if (!cancel_)
    failure_ = fmt::format("the workload was not ready ({}) within {} s {}", plan_.ready->text, plan_.ready_timeout, when);
  return false;
}

bool LifecycleDriver::traffic(const std::string& command) {
  if (command.empty()) return true;
  int status = run_untraced(command);
  if (status != 0) failure_ = fmt::format("the traffic command failed (exit status {}): {}", status, command);
  return status == 0;
}

void LifecycleDriver::drive() {
  bool ok = ready("after launch");
  if (ok && plan_.ready) hooks_.switch_phase("serving", "ready " + plan_.ready->text);
  if (ok) ok = traffic(plan_.traffic);
  if (ok && plan_.reload) {
    // Armed before the signal goes out: only an event of the reload phase counts.
    if (plan_.ready && plan_.ready->event) plan_.ready->event->arm("reload");
    hooks_.send_signal(plan_.reload_signal);
    ok = ready("after the reload") && traffic(plan_.reload_traffic.empty() ? plan_.traffic : plan_.reload_traffic);
  }
  if (cancel_) return;
  if (plan_.traffic.empty() && !plan_.reload && ok) return;  // --ready alone: the workload ends by itself
  hooks_.send_signal(plan_.stop_signal);
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::duration<double>(plan_.stop_timeout), [this] { return finished_; })) {
    failure_ += fmt::format("{}the workload did not stop within {} s of SIG{}: killed", failure_.empty() ? "" : "; ",
                            plan_.stop_timeout, sigabbrev_np(plan_.stop_signal));
    hooks_.send_signal(SIGKILL);
  }
}

}  // namespace syscribe::tracer
