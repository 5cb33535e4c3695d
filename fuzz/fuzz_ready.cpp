// libFuzzer target: the --ready condition parser (tcp:, unix:, file:, delay:, syscall:,
// log:REGEX). Any text must parse or be refused with a usage Error; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "tracer/lifecycle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A --ready value is one command-line argument: no NUL, and kept short because
  // std::regex compiles recursively (a pattern of thousands of '(' exhausts any stack).
  if (size > 256) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find('\0') != std::string::npos) return 0;
  try {
    (void)syscribe::tracer::parse_readiness(text);
  } catch (const syscribe::Error&) {
  }
  return 0;
}
