#include "config.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace webhook {

Config read_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
  if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected a JSON object", path));
  Config c;
  try {
    for (auto& [key, value] : j.items()) {
      if (key == "listen") c.listen = value.get<std::string>();
      else if (key == "port") c.port = value.get<int>();
      else if (key == "data") c.data = value.get<std::string>();
      else if (key == "token") c.token = value.get<std::string>();
      else if (key == "pid_file") c.pid_file = value.get<std::string>();
      else throw std::runtime_error(fmt::format("{}: unknown key '{}'", path, key));
    }
  } catch (const nlohmann::json::type_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
  if (c.data.empty()) throw std::runtime_error(fmt::format("{}: 'data' (the events file) is required", path));
  if (c.port < 0 || c.port > 65535) throw std::runtime_error(fmt::format("{}: port {} out of range", path, c.port));
  return c;
}

}  // namespace webhook
