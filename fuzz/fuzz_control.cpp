// libFuzzer target: the control socket's request line ("mark NAME"), which any local
// process that can connect to the socket sends. A line is accepted or refused; the phase
// name accepted is always a valid one.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tracer/control_socket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto name = syscribe::tracer::parse_control_request(line);
  if (name) {
    assert(!name->empty() && name->size() <= 64);
    for (char c : *name) assert(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  }
  return 0;
}
