#include "core/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>
#include <fstream>

#include "core/error.h"

namespace syscribe {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view content) {
  if (path == "-") {
    std::cout << content << std::flush;
    return;
  }
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) throw system_error(fmt::format("cannot write {}", path), errno);
  // mkstemp creates 0600; outputs are ordinary files people share and commit.
  fchmod(fd, 0644);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      throw system_error(fmt::format("cannot write {}", path), err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    throw system_error(fmt::format("cannot write {}", path), err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    throw system_error(fmt::format("cannot write {}", path), err);
  }
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
  std::string dir = dir_of(path);
  if (access(dir.c_str(), W_OK) != 0)
    throw system_error(fmt::format("cannot write {}", path), errno);
  if (access(path.c_str(), F_OK) == 0 && access(path.c_str(), W_OK) != 0)
    throw system_error(fmt::format("cannot write {}", path), errno);
}

}  // namespace syscribe
