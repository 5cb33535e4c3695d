// One exception type for fatal user and system errors; caught in main().
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace syscribe {

// Exit codes shared by every subcommand.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // fatal error: bad input file, system call failure
  kExitUsage = 2,    // bad command line, unknown syscall/arch/format
  kExitReview = 3,   // generate refused: high-risk syscalls without a decision
  kExitDenied = 4,   // run --fail-on-denial: the profile denied at least one call
};

// A fatal error with a one-line message and the exit status main() returns.
class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, int exit_code = kExitFailure)
      : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A usage error: exit status 2.
inline Error usage_error(std::string message) { return Error(std::move(message), kExitUsage); }

// "WHAT: strerror(errno)" as an Error; call right after the failing libc call.
Error system_error(const std::string& what, int err);

}  // namespace syscribe
