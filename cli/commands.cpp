#include "cli/command.h"

namespace syscribe::cli {

namespace {
// Keep one row per line: each subcommand's file adds its own row.
constexpr Command kCommands[] = {
    {"record", "run a command (or attach to PIDs) and record the syscalls it makes", cmd_record},
    {"explain", "decode kernel audit records of seccomp events (dmesg, audit.log, journal)", cmd_explain},
    {"syscalls", "look up syscall names and numbers on every architecture", cmd_syscalls},
};
}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace syscribe::cli
