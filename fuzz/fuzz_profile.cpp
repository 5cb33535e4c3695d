// libFuzzer target: the profile reader (OCI, Docker, SPO) refuses bad input with
// syscribe::Error only.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "generator/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto p = syscribe::gen::parse_profile_text(text, "fuzz.json");
    (void)syscribe::gen::write_profile(p, syscribe::gen::Format::oci);
  } catch (const syscribe::Error&) {
  }
  return 0;
}
