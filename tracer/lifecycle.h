// The pieces `syscribe record` uses to drive a workload through its lifecycle:
// readiness conditions and commands run beside the recording (traffic), untraced.
#pragma once

#include <string>

namespace syscribe::tracer {

// A readiness condition: "tcp:HOST:PORT" (a connect succeeds), "unix:PATH" (likewise),
// "file:PATH" (the file exists) or "delay:SECONDS".
struct Readiness {
  enum class Kind { tcp, unix_socket, file, delay };
  Kind kind = Kind::delay;
  std::string host;  // tcp
  std::string port;  // tcp
  std::string path;  // unix, file
  double seconds = 0;  // delay
  std::string text;  // as given, for messages and evidence marks
};

// Parses a --ready value; throws a usage Error naming what is wrong.
Readiness parse_readiness(const std::string& spec);

// Polls the condition every 50 ms until it holds (true) or `timeout` seconds pass, or
// `*cancel` becomes true (false).
bool wait_ready(const Readiness& r, double timeout, const volatile bool* cancel);

// Runs `/bin/sh -c command` untraced and returns its exit status (128+N for signal N).
// The shell runs as a grandchild, so the tracer's waitpid(-1) never reaps it; the status
// comes back over a pipe. stdin is /dev/null; stdout and stderr are ours.
int run_untraced(const std::string& command);

}  // namespace syscribe::tracer
