// The subcommand table: {name, one-line help, function}.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace syscribe::cli {

using Args = std::vector<std::string>;

struct Command {
  std::string_view name;
  std::string_view summary;
  // Gets the arguments after the subcommand name; returns the exit status.
  int (*run)(const Args& args);
};

// All subcommands, in the order `syscribe --help` lists them.
std::span<const Command> commands();

// One function per subcommand, each in cmd_NAME.cpp.
int cmd_record(const Args& args);
int cmd_mark(const Args& args);
int cmd_merge(const Args& args);
int cmd_generate(const Args& args);
int cmd_run(const Args& args);
int cmd_explain(const Args& args);
int cmd_diff(const Args& args);
int cmd_lint(const Args& args);
int cmd_review(const Args& args);
int cmd_syscalls(const Args& args);
int cmd_k8s(const Args& args);

}  // namespace syscribe::cli
