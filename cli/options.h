// Command-line parsing shared by the subcommands (Boost.Program_options underneath).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/command.h"

namespace syscribe::cli {

namespace po = boost::program_options;

struct ParsedArgs {
  po::variables_map vm;
  std::vector<std::string> positional;  // operands before any command
  std::vector<std::string> command;     // CMD [ARGS...]: after "--" or from the first operand on
  bool help = false;                    // --help was given and printed: return 0
};

// Parses `args` of subcommand `name` against `options` (a --help option is added).
// `usage` is the synopsis line(s) printed by --help, `details` the text after the options.
// With `takes_command`, everything from "--" or from the first operand on is the
// workload's command line and is never parsed as our options.
// Throws a usage Error (exit 2) naming the bad option.
ParsedArgs parse_args(std::string_view name, std::string_view usage, std::string_view details,
                      po::options_description options, const Args& args, bool takes_command = false);

// Comma-separated list option values ("a,b" "c") flattened to {"a","b","c"}.
std::vector<std::string> split_list(const std::vector<std::string>& values);

}  // namespace syscribe::cli
