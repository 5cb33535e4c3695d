#include "handler.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "log.h"

namespace webhook {

namespace {

Response json_response(int status, const nlohmann::json& body) {
  return {status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Response error(int status, const std::string& what) { return json_response(status, {{"error", what}}); }

// Appends one line and syncs it: an accepted (202) event must survive a crash.
bool append_event(const std::string& path, const std::string& line) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    log("error", "cannot open events file", {{"path", path}, {"error", strerror(errno)}});
    return false;
  }
  bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fdatasync(fd) == 0;
  if (!ok) log("error", "cannot append to events file", {{"path", path}, {"error", strerror(errno)}});
  close(fd);
  return ok;
}

Response accept_event(const Request& req, const Config& config) {
  if (!config.token.empty()) {
    auto it = req.headers.find("authorization");
    if (it == req.headers.end() || it->second != "Bearer " + config.token) return error(401, "bad or missing token");
  }
  nlohmann::json event = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) return error(400, "body is not valid JSON");
  if (!event.is_object()) return error(400, "body must be a JSON object");
  for (const char* key : {"id", "type"}) {
    if (!event.contains(key)) return error(400, fmt::format("missing field '{}'", key));
    if (!event[key].is_string() || event[key].get<std::string>().empty())
      return error(400, fmt::format("field '{}' must be a non-empty string", key));
  }
  if (!event.contains("data")) return error(400, "missing field 'data'");
  if (!event["data"].is_object()) return error(400, "field 'data' must be an object");

  nlohmann::json stored = {{"received", utc_now()}, {"id", event["id"]}, {"type", event["type"]}, {"data", event["data"]}};
  if (!append_event(config.data, stored.dump() + "\n")) return error(500, "cannot store the event");
  return json_response(202, {{"status", "accepted"}, {"id", event["id"]}});
}

}  // namespace

Response handle(const Request& req, const Config& config) {
  if (req.target == "/healthz") {
    if (req.method != "GET" && req.method != "HEAD") return error(405, "use GET");
    return json_response(200, {{"status", "ok"}});
  }
  if (req.target == "/webhook") {
    if (req.method != "POST") return error(405, "use POST");
    return accept_event(req, config);
  }
  return error(404, "no such path");
}

}  // namespace webhook
