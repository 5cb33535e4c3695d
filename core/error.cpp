#include "core/error.h"

#include <cstring>

namespace syscribe {

Error system_error(const std::string& what, int err) {
  return Error(fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace syscribe
