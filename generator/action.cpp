#include "generator/action.h"

#include <cerrno>

#include <fmt/format.h>

#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

namespace {

struct ActionFacts {
  Action action;
  std::string_view name;
  uint32_t value;  // SECCOMP_RET_* without data
  bool takes_errno;
};
// In Action's order.
constexpr ActionFacts kActions[] = {
    {Action::kill, "SCMP_ACT_KILL", 0x00000000u, false},
    {Action::kill_thread, "SCMP_ACT_KILL_THREAD", 0x00000000u, false},
    {Action::kill_process, "SCMP_ACT_KILL_PROCESS", 0x80000000u, false},
    {Action::trap, "SCMP_ACT_TRAP", 0x00030000u, false},
    {Action::error, "SCMP_ACT_ERRNO", 0x00050000u, true},
    {Action::trace, "SCMP_ACT_TRACE", 0x7ff00000u, true},
    {Action::log, "SCMP_ACT_LOG", 0x7ffc0000u, false},
    {Action::allow, "SCMP_ACT_ALLOW", 0x7fff0000u, false},
    {Action::notify, "SCMP_ACT_NOTIFY", 0x7fc00000u, false},
};

const ActionFacts& facts(Action a) { return kActions[static_cast<size_t>(a)]; }

}  // namespace

std::string_view action_name(Action a) { return facts(a).name; }

std::optional<Action> parse_action(std::string_view name) {
  for (const auto& a : kActions)
    if (a.name == name) return a.action;
  return std::nullopt;
}

uint32_t action_value(Action a, std::optional<uint32_t> errno_ret) {
  const ActionFacts& f = facts(a);
  if (!f.takes_errno) return f.value;
  uint32_t data = errno_ret ? *errno_ret : (a == Action::error ? EPERM : 0);
  return f.value | (data & 0xffffu);
}

std::string describe_action(uint32_t value) {
  uint32_t base = value & 0xffff0000u;
  uint32_t data = value & 0xffffu;
  if (base == facts(Action::error).value)
    return fmt::format("{}({})", action_name(Action::error), sys::errno_name(static_cast<int>(data)));
  if (base == facts(Action::trace).value) return fmt::format("{}({})", action_name(Action::trace), data);
  for (const auto& a : kActions)
    if (a.value == value && a.action != Action::kill) return std::string(a.name);
  return fmt::format("{:#x}", value);
}

}  // namespace syscribe::gen
