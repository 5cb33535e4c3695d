#include "tracer/control_socket.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "tracer/lifecycle.h"
#include "tracer/phase_clock.h"

namespace syscribe::tracer {

namespace {

sockaddr_un address_of(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) throw Error(fmt::format("{}: control socket path too long", path));
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

constexpr size_t kMaxPhaseName = 64;

bool phase_char(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }

bool valid_phase_name(const std::string& n) {
  return !n.empty() && n.size() <= kMaxPhaseName && std::all_of(n.begin(), n.end(), phase_char);
}

// Reads one line (without the newline) within a second; "" on timeout or error.
std::string read_line(int fd) {
  std::string line;
  char c;
  while (line.size() < 256) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) return {};
    if (read(fd, &c, 1) != 1 || c == '\n') break;
    line.push_back(c);
  }
  return line;
}

void write_all(int fd, const std::string& s) {
  ssize_t ignored = write(fd, s.data(), s.size());
  (void)ignored;
}

}  // namespace

std::string default_control_path() {
  const char* dir = getenv("XDG_RUNTIME_DIR");
  return fmt::format("{}/syscribe-{}.sock", dir && *dir ? dir : "/tmp", getpid());
}

ControlSocket::ControlSocket(std::string path, PhaseClock& clock) : path_(std::move(path)), clock_(clock) {
  sockaddr_un a = address_of(path_);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw system_error(fmt::format("{}: control socket", path_), errno);
  struct stat st {};
  if (lstat(path_.c_str(), &st) == 0) {
    // Only a socket left by a recorder that was killed is replaced.
    std::string why = !S_ISSOCK(st.st_mode)  ? "exists and is not a socket"
                      : unix_connects(path_) ? "another recording is listening on it"
                                             : "";
    if (!why.empty()) {
      close(listen_fd_);
      throw usage_error(fmt::format("control socket {}: {}; give another path with --control", path_, why));
    }
    unlink(path_.c_str());
  }
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 8) != 0) {
    int err = errno;
    close(listen_fd_);
    throw system_error(fmt::format("{}: control socket", path_), err);
  }
  if (lstat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) throw system_error("pipe", errno);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  thread_ = std::thread([this] { serve(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

ControlSocket::~ControlSocket() {
  ssize_t ignored = write(stop_pipe_[1], "x", 1);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
  // Only our own socket: the path may have been replaced meanwhile.
  struct stat st {};
  if (lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == inode_) unlink(path_.c_str());
}

void ControlSocket::serve() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (auto name = parse_control_request(read_line(fd))) {
      clock_.switch_to(*name, "mark");
      write_all(fd, "ok\n");
    } else {
      write_all(fd, "error expected 'mark NAME' (NAME: letters, digits, - _ .)\n");
    }
    close(fd);
  }
}

std::optional<std::string> parse_control_request(const std::string& line) {
  if (line.rfind("mark ", 0) != 0 || !valid_phase_name(line.substr(5))) return std::nullopt;
  return line.substr(5);
}

void send_mark(const std::string& path, const std::string& name) {
  if (name.empty()) throw usage_error("empty phase name");
  if (name.size() > kMaxPhaseName)
    throw usage_error(fmt::format("phase name too long ({} characters, at most {})", name.size(), kMaxPhaseName));
  auto bad = std::find_if_not(name.begin(), name.end(), phase_char);
  if (bad != name.end()) {
    throw usage_error(fmt::format("phase name '{}': character {} is not allowed (letters, digits, - _ . only)", name,
                                  bad - name.begin() + 1));
  }
  sockaddr_un a = address_of(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw system_error("socket", errno);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    close(fd);
    throw system_error(fmt::format("{}: no recording to mark", path), err);
  }
  write_all(fd, fmt::format("mark {}\n", name));
  std::string reply = read_line(fd);
  close(fd);
  if (reply != "ok") throw Error(fmt::format("{}: {}", path, reply.empty() ? "no answer" : reply));
}

}  // namespace syscribe::tracer
