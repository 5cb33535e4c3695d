// Facts about this host and this moment, as evidence records them.
#pragma once

#include <string>

namespace syscribe {

// Now in UTC, ISO 8601 to the second: "2026-11-27T22:10:03Z".
std::string utc_now_iso();
// uname -r.
std::string kernel_release();

}  // namespace syscribe
