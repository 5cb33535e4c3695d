// The webhook's configuration file (JSON), read at start and again on SIGHUP.
#pragma once

#include <string>

namespace webhook {

struct Config {
  std::string listen = "127.0.0.1";  // address to bind
  int port = 8080;
  std::string data;      // accepted events are appended here, one JSON line each
  std::string token;     // required in "Authorization: Bearer TOKEN"; empty: no check
  std::string pid_file;  // written at start, removed at exit; empty: none
};

// Reads and checks `path`. Throws std::runtime_error "PATH: what is wrong".
Config read_config(const std::string& path);

}  // namespace webhook
