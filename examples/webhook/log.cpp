#include "log.h"

#include <ctime>
#include <unistd.h>

#include <fmt/format.h>

namespace webhook {

std::string utc_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                     t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
}

void log(std::string_view level, std::string_view msg, nlohmann::json fields) {
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = utc_now();
  line["level"] = level;
  line["msg"] = msg;
  for (auto& [k, v] : fields.items()) line[k] = v;
  // Invalid UTF-8 from a client (a bad path, say) must not abort the server.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(STDOUT_FILENO, p, left);
    if (n <= 0) return;  // nowhere to log to: keep serving
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace webhook
