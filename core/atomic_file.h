// Outputs are written whole or not at all: a temporary file beside the target,
// fsync, then rename over it.
#pragma once

#include <string>
#include <string_view>

namespace syscribe {

// Writes `content` to `path` atomically; "-" writes to stdout.
// Throws Error naming the path and errno text; the old file is left as it was.
void write_file_atomic(const std::string& path, std::string_view content);

// Reads a whole file ("-" reads stdin). Throws Error naming the path, also for a directory.
std::string read_file(const std::string& path);

// Checks early (before a long recording) that `path` can be created or replaced.
void check_writable(const std::string& path);

}  // namespace syscribe
