// The recording's control socket: another process (a test harness, a shell, the
// workload itself) switches the running recording's phase with `syscribe mark NAME`.
// Protocol: one line "mark NAME\n" per connection; the answer is "ok\n" or "error WHY\n".
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>

namespace syscribe::tracer {

class PhaseClock;

// Environment variable naming the socket; the workload's processes inherit it.
inline constexpr const char* kControlEnv = "SYSCRIBE_CONTROL";

class ControlSocket {
 public:
  // Binds and listens at `path` and serves on a thread of its own with every signal
  // blocked, so signals still reach the tracer's loop. A socket nobody answers on (left
  // by a recorder that was killed) is replaced; anything else at `path` (a file, a live
  // recording's socket) is a usage Error. Throws Error naming the path.
  ControlSocket(std::string path, PhaseClock& clock);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  const std::string& path() const { return path_; }

 private:
  void serve();
  std::string path_;
  PhaseClock& clock_;
  int listen_fd_ = -1;
  ino_t inode_ = 0;  // of our socket, removed at the end only if still there
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
};

// Default socket path for this recorder process.
std::string default_control_path();

// The phase name a request line (without its newline) asks to mark: "mark NAME" with
// NAME of 1 to 64 letters, digits, '-', '_' or '.'; nullopt for anything else.
std::optional<std::string> parse_control_request(const std::string& line);
// Asks the recording at `path` to switch to phase `name`. Throws Error saying why not.
void send_mark(const std::string& path, const std::string& name);

}  // namespace syscribe::tracer
