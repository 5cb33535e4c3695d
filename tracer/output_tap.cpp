#include "tracer/output_tap.h"

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "core/error.h"

namespace syscribe::tracer {

namespace {

constexpr size_t kMaxLine = 64 * 1024;  // a longer "line" is matched in pieces of this size

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // our own output is gone: keep draining the workload's
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

OutputTap::OutputTap(const std::string& pattern, std::shared_ptr<ReadyEvent> event, std::function<std::string()> phase)
    : pattern_(pattern), event_(std::move(event)), phase_(std::move(phase)) {
  if (pipe2(out_, O_CLOEXEC) != 0) throw system_error("cannot create a pipe", errno);
  if (pipe2(err_, O_CLOEXEC) != 0) {
    int e = errno;
    close_fd(out_[0]);
    close_fd(out_[1]);
    throw system_error("cannot create a pipe", e);
  }
}

OutputTap::~OutputTap() {
  finish();
  close_fd(out_[1]);
  close_fd(err_[1]);
}

void OutputTap::started() {
  close_fd(out_[1]);
  close_fd(err_[1]);
  if (!thread_.joinable()) thread_ = std::thread([this] { copy_loop(); });
}

void OutputTap::finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close_fd(out_[0]);
  close_fd(err_[0]);
}

// Copies what one read returns; false at end of file or error.
bool OutputTap::pump(int from, int to, std::string& line) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  write_all(to, buf, static_cast<size_t>(n));
  for (ssize_t i = 0; i < n; ++i) {
    char c = buf[i];
    if (c != '\n') line.push_back(c);
    if (c == '\n' || line.size() >= kMaxLine) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (event_->armed() && std::regex_search(line, pattern_)) event_->note(phase_());
      line.clear();
    }
  }
  return true;
}

void OutputTap::copy_loop() {
  // A closed stdout of ours (`syscribe record ... | head`) must not kill the recorder with
  // SIGPIPE: blocked in this thread only, a write there fails with EPIPE instead, and the
  // workload's output is then drained and dropped. The workload's own disposition is
  // untouched (it was forked from another thread).
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
  std::string lines[2];
  pollfd fds[2] = {{out_[0], POLLIN, 0}, {err_[0], POLLIN, 0}};
  const int to[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open_count = 2;
  // After finish(): one last pass over what is already in the pipes, without waiting.
  bool last_pass = false;
  while (open_count > 0) {
    if (stop_) last_pass = true;
    int r = poll(fds, 2, last_pass ? 0 : 100);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (last_pass) break;
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (!pump(fds[i].fd, to[i], lines[i])) {
        fds[i].fd = -1;  // poll ignores negative fds
        --open_count;
      }
    }
  }
  // A last line without a newline still counts.
  for (auto& l : lines)
    if (!l.empty() && event_->armed() && std::regex_search(l, pattern_)) event_->note(phase_());
}

}  // namespace syscribe::tracer
