// libFuzzer target: the review decisions reader (YAML or JSON) refuses bad input with
// syscribe::Error only.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "generator/review.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)syscribe::gen::parse_decisions(text, "fuzz.yaml");
  } catch (const syscribe::Error&) {
  }
  return 0;
}
