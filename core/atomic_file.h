// Outputs are written whole or not at all, and writing one never destroys what the path
// names: a regular file is replaced atomically (a temporary file beside it, fsync, rename);
// a symlink is followed and its target replaced the same way; a device, a FIFO or a socket
// (/dev/null, a named pipe) is written in place; /dev/stdout, /dev/stderr and /dev/fd/N
// write to the descriptor syscribe already holds, as "-" writes to stdout.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace syscribe {

// Several outputs of one command, all or nothing: add() stages each one (a temporary file
// written and synced, or an open in-place target) and throws if it cannot; commit() then
// renames every temporary file over its target and writes the in-place ones. Outputs not
// committed (an exception, an early return) leave no file behind and every target as it was.
class OutputSet {
 public:
  OutputSet();
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // Throws Error naming the path and errno text; outputs already staged stay uncommitted.
  void add(const std::string& path, std::string content);
  // Throws Error naming the path if a rename or an in-place write fails.
  void commit();

 private:
  struct Staged;
  std::vector<std::unique_ptr<Staged>> staged_;
};

// One output: an OutputSet of one. "-" writes to stdout.
void write_file_atomic(const std::string& path, std::string_view content);

// Reads a whole file ("-" reads stdin). Throws Error naming the path, also for a directory.
std::string read_file(const std::string& path);

// Checks early (before a long recording) that `path` can be created or replaced (or, for a
// device or FIFO, written).
void check_writable(const std::string& path);

}  // namespace syscribe
