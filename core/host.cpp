#include "core/host.h"

#include <ctime>
#include <sys/utsname.h>

namespace syscribe {

std::string utc_now_iso() {
  time_t t = time(nullptr);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "";
  return u.release;
}

}  // namespace syscribe
