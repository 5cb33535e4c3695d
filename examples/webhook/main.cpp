// webhook: the worked example of syscribe's source document. A small webhook
// receiver that accepts HTTP POSTs, validates JSON, writes structured logs,
// reloads its configuration on SIGHUP and exits gracefully on SIGTERM/SIGINT.
// Its whole lifecycle (startup, serving, reload, shutdown) is what
// examples/webhook/record.sh records.
//
// Usage: webhook --config FILE [--port PORT]
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "config.h"
#include "handler.h"
#include "http.h"
#include "log.h"

namespace {

volatile sig_atomic_t g_reload = 0;
volatile sig_atomic_t g_stop = 0;

void on_signal(int sig) {
  if (sig == SIGHUP)
    g_reload = 1;
  else
    g_stop = sig;
}

struct Args {
  std::string config;
  std::optional<int> port;  // overrides the file's port (tests pick a free one)
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      a.config = argv[++i];
    } else if (arg == "--port" && i + 1 < argc) {
      a.port = std::stoi(argv[++i]);
    } else {
      throw std::runtime_error(fmt::format("unexpected argument '{}' (usage: webhook --config FILE [--port PORT])", arg));
    }
  }
  if (a.config.empty()) throw std::runtime_error("usage: webhook --config FILE [--port PORT]");
  return a;
}

// Binds but does not listen yet: main() writes the pid file first, so anyone who
// can connect can also read a complete pid file.
int bind_to(const webhook::Config& c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(c.port));
  if (inet_pton(AF_INET, c.listen.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error(fmt::format("listen address '{}' is not an IPv4 address", c.listen));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(fmt::format("bind {}:{}: {}", c.listen, c.port, strerror(errno)));
  return fd;
}

void write_pid_file(const std::string& path) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::trunc);
  out << getpid() << "\n";
  if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write the pid file", path));
}

// Reads the configuration again; a bad file keeps the old one so a typo in a
// reload never takes the service down.
void reload(const Args& args, webhook::Config& config) {
  try {
    webhook::Config fresh = webhook::read_config(args.config);
    if (args.port) fresh.port = *args.port;
    if (fresh.port != config.port || fresh.listen != config.listen)
      webhook::log("warn", "listen address changes need a restart", {{"listen", config.listen}, {"port", config.port}});
    fresh.port = config.port;
    fresh.listen = config.listen;
    fresh.pid_file = config.pid_file;  // the file we wrote is the one we remove
    config = fresh;
    webhook::log("info", "configuration reloaded", {{"config", args.config}, {"data", config.data}});
  } catch (const std::exception& e) {
    webhook::log("error", "configuration reload failed; keeping the old one", {{"error", e.what()}});
  }
}

void serve_one(int client, const webhook::Config& config, const std::string& peer) {
  timeval timeout{5, 0};  // a stalled client must not hold the single-threaded loop
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  webhook::Request req;
  webhook::Response resp;
  if (webhook::read_request(client, req, resp)) resp = webhook::handle(req, config);
  if (resp.status == 0) return;  // the client went away before a full request
  webhook::write_response(client, resp);
  webhook::log(resp.status >= 500 ? "error" : "info", "request",
               {{"method", req.method}, {"path", req.target}, {"status", resp.status}, {"peer", peer},
                {"bytes", req.body.size()}});
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  webhook::Config config;
  int listen_fd = -1;
  try {
    args = parse_args(argc, argv);
    config = webhook::read_config(args.config);
    if (args.port) config.port = *args.port;

    // Signals stay blocked except inside ppoll(), so a request in progress is
    // always finished before a reload or shutdown is acted on.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaction(sig, &sa, nullptr);
    sigset_t block;
    sigemptyset(&block);
    for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, nullptr);

    listen_fd = bind_to(config);
    write_pid_file(config.pid_file);
    if (listen(listen_fd, 64) != 0) throw std::runtime_error(fmt::format("listen: {}", strerror(errno)));
  } catch (const std::exception& e) {
    webhook::log("error", "cannot start", {{"error", e.what()}});
    return 1;
  }
  webhook::log("info", "listening", {{"listen", config.listen}, {"port", config.port}, {"pid", getpid()},
                                     {"data", config.data}});

  sigset_t during_wait;
  sigemptyset(&during_wait);
  while (!g_stop) {
    if (g_reload) {
      g_reload = 0;
      reload(args, config);
    }
    pollfd pfd{listen_fd, POLLIN, 0};
    int r = ppoll(&pfd, 1, nullptr, &during_wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      webhook::log("error", "poll failed", {{"error", strerror(errno)}});
      break;
    }
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int client = accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (client < 0) continue;  // the client gave up between poll and accept
    char host[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host);
    serve_one(client, config, fmt::format("{}:{}", host, ntohs(peer.sin_port)));
    close(client);
  }

  close(listen_fd);
  if (!config.pid_file.empty() && unlink(config.pid_file.c_str()) != 0)
    webhook::log("warn", "cannot remove the pid file", {{"path", config.pid_file}, {"error", strerror(errno)}});
  webhook::log("info", "stopped", {{"signal", g_stop ? strsignal(g_stop) : "none"}});
  return g_stop ? 0 : 1;
}
