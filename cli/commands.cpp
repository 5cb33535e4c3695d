#include "cli/command.h"

namespace syscribe::cli {

namespace {
// Keep one row per line: each subcommand's file adds its own row.
constexpr Command kCommands[] = {
    {"mark", "switch a running recording to another phase", cmd_mark},
    {"record", "run a command (or attach to PIDs) and record the syscalls it makes", cmd_record},
    {"run", "run a command under a profile and report every call it denies", cmd_run},
    {"explain", "decode kernel audit records of seccomp events (dmesg, audit.log, journal)", cmd_explain},
    {"k8s", "Kubernetes manifests that install a profile on every node and select it", cmd_k8s},
    {"generate", "turn evidence into a seccomp profile (OCI, Docker, SPO, systemd, BPF)", cmd_generate},
    {"merge", "merge evidence files from several runs, replicas or nodes", cmd_merge},
    {"lint", "check a seccomp profile of any origin for mistakes runtimes hide", cmd_lint},
    {"diff", "compare two profiles or two evidence files", cmd_diff},
    {"review", "review decisions for high-risk syscalls: a skeleton to fill in, a check", cmd_review},
    {"syscalls", "look up syscall names and numbers on every architecture", cmd_syscalls},
};
}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace syscribe::cli
