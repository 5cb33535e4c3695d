// What a seccomp rule does with a call: one type for profiles, policies and decisions, spelled
// SCMP_ACT_* only where a file is read or written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syscribe::gen {

enum class Action : uint8_t {
  kill,          // SCMP_ACT_KILL: libseccomp's old name of kill_thread, kept as written
  kill_thread,   // SCMP_ACT_KILL_THREAD
  kill_process,  // SCMP_ACT_KILL_PROCESS
  trap,          // SCMP_ACT_TRAP
  error,         // SCMP_ACT_ERRNO: the call fails with errno_ret (EPERM when unset)
  trace,         // SCMP_ACT_TRACE: a ptrace tracer decides (errno_ret is the data it sees)
  log,           // SCMP_ACT_LOG: allowed and logged
  allow,         // SCMP_ACT_ALLOW
  notify,        // SCMP_ACT_NOTIFY: a user-space supervisor decides
};

// "SCMP_ACT_ALLOW", ...: the spelling of OCI, Docker and SPO profiles.
std::string_view action_name(Action a);
// The action an SCMP_ACT_* name spells; nullopt for any other text.
std::optional<Action> parse_action(std::string_view name);
// The seccomp return value (SECCOMP_RET_*): errno_ret (or EPERM, the runtimes' default for
// ERRNO) goes into the low 16 bits of ERRNO and TRACE.
uint32_t action_value(Action a, std::optional<uint32_t> errno_ret);
// "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO(EPERM)", "SCMP_ACT_KILL_PROCESS" for a return value; hex
// when no action has it.
std::string describe_action(uint32_t value);

}  // namespace syscribe::gen
