// Passing the workload's stdout and stderr through unchanged while watching them for a
// line that matches a regular expression: what `--ready log:REGEX` needs. The workload
// writes into two pipes; a thread copies every byte to syscribe's own stdout and stderr
// as it comes and matches each complete line while the readiness event is armed.
//
// The workload's output is then a pipe, not a terminal: programs that buffer a pipe
// fully (stdio) may print their ready line late unless they flush it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "tracer/lifecycle.h"

namespace syscribe::tracer {

class OutputTap {
 public:
  // `phase` names the phase current when a line matched. Throws Error when the pipes
  // cannot be made.
  OutputTap(const std::string& pattern, std::shared_ptr<ReadyEvent> event, std::function<std::string()> phase);
  ~OutputTap();
  OutputTap(const OutputTap&) = delete;
  OutputTap& operator=(const OutputTap&) = delete;

  // The ends the workload gets as its fds 1 and 2 (close-on-exec here; dup2 clears it).
  int child_stdout() const { return out_[1]; }
  int child_stderr() const { return err_[1]; }
  // Call once the workload is forked: closes our copies of its ends and starts copying.
  void started();
  // Call once the workload is gone: copies what is still buffered, then stops. Output a
  // process that escaped the recording writes later is not copied.
  void finish();

 private:
  void copy_loop();
  bool pump(int from, int to, std::string& line);

  std::regex pattern_;
  std::shared_ptr<ReadyEvent> event_;
  std::function<std::string()> phase_;
  int out_[2] = {-1, -1};
  int err_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace syscribe::tracer
