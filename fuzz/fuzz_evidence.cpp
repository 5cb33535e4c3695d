// libFuzzer target: the evidence reader must refuse any input with syscribe::Error,
// never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json_read.h"
#include "evidence/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto ev = syscribe::ev::from_json(syscribe::parse_json_text(text, "fuzz.json"), "fuzz.json");
    syscribe::ev::Evidence merged;
    syscribe::ev::merge_into(merged, ev);
    (void)syscribe::ev::dump_evidence(merged);
  } catch (const syscribe::Error&) {
  }
  return 0;
}
