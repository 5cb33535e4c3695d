#include "runtime/settings.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::rt {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

RuntimeSettings parse_settings(const std::string& text, const std::string& path, const std::string& self_dir) {
  RuntimeSettings s;
  s.record.syscribe = self_dir + "/syscribe-static";
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("{}:{}: expected KEY = VALUE, got '{}'", path, n, t));
    std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
    if (value.empty()) throw Error(fmt::format("{}:{}: {} has no value", path, n, key));
    if (key == "runtime") {
      s.runtime = value;
    } else if (key == "syscribe") {
      s.record.syscribe = value;
    } else if (key == "evidence-dir") {
      s.record.evidence_dir = value;
    } else if (key == "evidence-roots") {
      s.record.evidence_roots.clear();
      std::istringstream roots(value);
      for (std::string r; std::getline(roots, r, ':');)
        if (!r.empty()) s.record.evidence_roots.push_back(r);
    } else if (key == "log") {
      s.log = value;
    } else {
      throw Error(fmt::format("{}:{}: unknown key '{}' (runtime, syscribe, evidence-dir, evidence-roots, log)", path, n, key));
    }
    if ((key == "syscribe" || key == "evidence-dir" || key == "log") && value[0] != '/')
      throw Error(fmt::format("{}:{}: {} must be an absolute path", path, n, key));
  }
  return s;
}

RuntimeSettings read_settings(const std::string& path, const std::string& self_dir) {
  std::ifstream f(path);
  if (!f) {
    if (errno == ENOENT) return parse_settings("", path, self_dir);
    throw system_error(fmt::format("cannot read {}", path), errno);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_settings(ss.str(), path, self_dir);
}

}  // namespace syscribe::rt
