// libFuzzer target: syscribe-runtime's config.json edit must refuse any input with
// syscribe::Error, never crash, hang or throw anything else; what it accepts it writes as
// JSON that parses again and still holds the original command after "--".
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/oci_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  syscribe::rt::Settings s;
  s.syscribe = "/usr/local/bin/syscribe-static";
  try {
    auto edit = syscribe::rt::plan_recording(text, "config.json", "0123456789abcdef", s);
    if (edit) {
      auto out = nlohmann::json::parse(edit->config);
      assert(out["process"]["args"][0] == "/dev/.syscribe/syscribe");
      assert(edit->name.find('/') == std::string::npos && edit->name != "." && edit->name != "..");
    }
  } catch (const syscribe::Error&) {
  }
  return 0;
}
