// Structured logs: one JSON object per line on stdout, written with one write() so
// lines from a log collector's point of view are never torn.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace webhook {

// Writes {"ts": ..., "level": LEVEL, "msg": MSG, ...fields} and a newline to stdout.
void log(std::string_view level, std::string_view msg, nlohmann::json fields = nlohmann::json::object());

// UTC time as ISO 8601 with milliseconds, e.g. "2026-11-27T22:10:03.123Z".
std::string utc_now();

}  // namespace webhook
