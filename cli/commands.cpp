#include "cli/command.h"

namespace syscribe::cli {

namespace {
// Keep one row per line: each subcommand's file adds its own row.
constexpr Command kCommands[] = {
    {"syscalls", "look up syscall names and numbers on every architecture", cmd_syscalls},
};
}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace syscribe::cli
