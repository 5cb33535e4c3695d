#include "tracer/proc_info.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <fmt/format.h>

namespace syscribe::tracer {

namespace {

// Small whole-file read with plain syscalls (no iostreams: this runs once per process).
std::string slurp(const std::string& path, size_t max = 1 << 16) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

pid_t field(const std::string& text, const char* name) {
  auto at = text.find(name);
  if (at == std::string::npos) return 0;
  return static_cast<pid_t>(std::strtol(text.c_str() + at + std::char_traits<char>::length(name), nullptr, 10));
}

}  // namespace

std::vector<pid_t> list_descendants(pid_t pid) {
  std::vector<pid_t> out;
  std::vector<pid_t> todo{pid};
  while (!todo.empty() && out.size() < 100000) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t tid : list_threads(p)) {
      std::string text = slurp(fmt::format("/proc/{}/task/{}/children", p, tid));  // "12 15 "
      char* end = nullptr;
      for (const char* at = text.c_str();; at = end) {
        long child = std::strtol(at, &end, 10);
        if (end == at || child <= 0) break;
        out.push_back(static_cast<pid_t>(child));
        todo.push_back(static_cast<pid_t>(child));
      }
    }
  }
  return out;
}

TaskStatus read_task_status(pid_t tid) {
  TaskStatus s;
  std::string text = slurp(fmt::format("/proc/{}/status", tid));
  if (text.empty()) return s;
  s.tgid = field(text, "\nTgid:");
  s.ppid = field(text, "\nPPid:");
  s.tracer = field(text, "\nTracerPid:");
  s.ok = s.tgid > 0;
  return s;
}

bool is_stopped(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* end_of_comm = std::strrchr(buf, ')');  // "PID (COMM) STATE ..."; COMM may hold ')'
  return end_of_comm && end_of_comm[1] == ' ' && end_of_comm[2] == 'T';
}

bool continue_after(int sig) { return sig == SIGINT || sig == SIGTERM || sig == SIGQUIT || sig == SIGHUP; }

std::string read_exe(pid_t pid) {
  char buf[PATH_MAX];
  ssize_t n = readlink(fmt::format("/proc/{}/exe", pid).c_str(), buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

std::string read_comm(pid_t pid) {
  std::string c = slurp(fmt::format("/proc/{}/comm", pid), 64);
  while (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

std::vector<std::string> read_cmdline(pid_t pid) {
  std::string raw = slurp(fmt::format("/proc/{}/cmdline", pid));
  std::vector<std::string> out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    out.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<pid_t> list_threads(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace syscribe::tracer
