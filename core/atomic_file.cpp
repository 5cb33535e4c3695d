#include "core/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "core/error.h"

namespace syscribe {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The descriptor a path names when it is one of syscribe's own: /dev/stdout, /dev/stderr,
// /dev/fd/N, /proc/self/fd/N. Following such a link leads to "pipe:[…]" or to whatever the
// shell redirected, which only the open descriptor reaches correctly.
std::optional<int> own_fd(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    std::string n = path.substr(prefix.size());
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::atoi(n.c_str());
  }
  return std::nullopt;
}

// Where an output really goes.
struct Target {
  enum Kind { create, replace, in_place, descriptor } kind = create;
  std::string path;  // after following symlinks
  int fd = -1;       // kind descriptor
  mode_t mode = 0644;
};

// Follows symlinks (relative ones from the link's folder) to the path that is written.
// Throws Error for a directory or a link loop.
Target resolve(const std::string& path) {
  Target t;
  t.path = path;
  for (int hops = 0;; ++hops) {
    if (auto fd = own_fd(t.path)) {
      t.kind = Target::descriptor;
      t.fd = *fd;
      return t;
    }
    struct stat st {};
    if (lstat(t.path.c_str(), &st) != 0) {
      if (errno == ENOENT) return t;  // created
      throw system_error(fmt::format("cannot write {}", path), errno);
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) throw system_error(fmt::format("cannot write {}", path), ELOOP);
      std::string link(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
      ssize_t n = readlink(t.path.c_str(), link.data(), link.size());
      if (n < 0) throw system_error(fmt::format("cannot write {}", path), errno);
      link.resize(static_cast<size_t>(n));
      t.path = link[0] == '/' ? link : dir_of(t.path) + "/" + link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) throw Error(fmt::format("cannot write {}: is a directory", path));
    t.kind = S_ISREG(st.st_mode) ? Target::replace : Target::in_place;
    t.mode = st.st_mode & 07777;
    return t;
  }
}

void write_all(int fd, std::string_view content, const std::string& path) {
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw system_error(fmt::format("cannot write {}", path), errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

struct OutputSet::Staged {
  std::string path;     // as the user gave it, for messages
  Target target;
  std::string tmp;      // temporary file beside target.path, until renamed
  int fd = -1;          // an in-place target, open
  std::string content;  // for in-place and descriptor targets
  bool stdout_ = false;

  ~Staged() {
    if (fd >= 0) close(fd);
    if (!tmp.empty()) unlink(tmp.c_str());
  }
};

OutputSet::OutputSet() = default;
OutputSet::~OutputSet() = default;

void OutputSet::add(const std::string& path, std::string content) {
  auto s = std::make_unique<Staged>();
  s->path = path;
  if (path == "-") {
    s->stdout_ = true;
    s->content = std::move(content);
    staged_.push_back(std::move(s));
    return;
  }
  s->target = resolve(path);
  switch (s->target.kind) {
    case Target::descriptor:
      s->content = std::move(content);
      break;
    case Target::in_place:
      // O_TRUNC is ignored by devices and FIFOs; a FIFO blocks here until it has a reader.
      s->fd = open(s->target.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (s->fd < 0) throw system_error(fmt::format("cannot write {}", path), errno);
      s->content = std::move(content);
      break;
    case Target::create:
    case Target::replace: {
      std::string tmp = s->target.path + ".tmp.XXXXXX";
      int fd = mkstemp(tmp.data());
      if (fd < 0) throw system_error(fmt::format("cannot write {}", path), errno);
      s->tmp = tmp;
      s->fd = fd;
      // mkstemp creates 0600; outputs are ordinary files people share and commit. A file
      // replaced keeps its mode.
      fchmod(fd, s->target.mode);
      write_all(fd, content, path);
      if (fsync(fd) != 0) throw system_error(fmt::format("cannot write {}", path), errno);
      int rc = close(fd);
      s->fd = -1;
      if (rc != 0) throw system_error(fmt::format("cannot write {}", path), errno);
      break;
    }
  }
  staged_.push_back(std::move(s));
}

void OutputSet::commit() {
  // Renames first: they replace files atomically and practically never fail once the
  // temporary file exists beside the target. Writes that cannot be undone come last.
  for (auto& s : staged_) {
    if (s->tmp.empty()) continue;
    if (rename(s->tmp.c_str(), s->target.path.c_str()) != 0)
      throw system_error(fmt::format("cannot write {}", s->path), errno);
    s->tmp.clear();
  }
  for (auto& s : staged_) {
    if (s->stdout_) {
      std::cout << s->content << std::flush;
      if (!std::cout) throw Error(fmt::format("cannot write <stdout>"));
    } else if (s->target.kind == Target::descriptor) {
      std::cout << std::flush;
      write_all(s->target.fd, s->content, s->path);
    } else if (s->fd >= 0) {
      write_all(s->fd, s->content, s->path);
      int rc = close(s->fd);
      s->fd = -1;
      if (rc != 0) throw system_error(fmt::format("cannot write {}", s->path), errno);
    }
  }
  staged_.clear();
}

void write_file_atomic(const std::string& path, std::string_view content) {
  OutputSet out;
  out.add(path, std::string(content));
  out.commit();
}

std::string read_file(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  // ifstream opens a directory and reads nothing: every reader would then call it empty
  // or malformed JSON.
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw Error(fmt::format("{}: is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw system_error(fmt::format("cannot read {}", path), errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw system_error(fmt::format("cannot read {}", path), errno);
  return ss.str();
}

void check_writable(const std::string& path) {
  if (path == "-") return;
  Target t = resolve(path);
  switch (t.kind) {
    case Target::descriptor:
      if (fcntl(t.fd, F_GETFD) < 0) throw system_error(fmt::format("cannot write {}", path), errno);
      return;
    case Target::in_place:
      if (access(t.path.c_str(), W_OK) != 0) throw system_error(fmt::format("cannot write {}", path), errno);
      return;
    case Target::replace:
      if (access(t.path.c_str(), W_OK) != 0) throw system_error(fmt::format("cannot write {}", path), errno);
      [[fallthrough]];
    case Target::create:
      if (access(dir_of(t.path).c_str(), W_OK) != 0) throw system_error(fmt::format("cannot write {}", path), errno);
      return;
  }
}

}  // namespace syscribe
