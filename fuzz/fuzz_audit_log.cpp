// libFuzzer target: the audit log parser reads any text without crashing; malformed
// seccomp records become syscribe::Error naming FILE:LINE.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "generator/audit_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)syscribe::audit::parse_log(text, "fuzz.log");
  } catch (const syscribe::Error&) {
  }
  return 0;
}
