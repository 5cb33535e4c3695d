// syscribe: records the syscalls a workload makes and turns them into a reviewed
// seccomp profile. main() dispatches to the subcommand table and turns errors into
// one line on stderr and an exit status.
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"

namespace {

void print_help() {
  std::cout << "Usage: syscribe COMMAND [OPTIONS] [ARGS]\n\n"
               "Record the system calls a workload makes and turn that evidence into a\n"
               "reviewed seccomp profile (OCI, Docker, Kubernetes).\n\n"
               "Commands:\n";
  for (const auto& c : syscribe::cli::commands()) std::cout << fmt::format("  {:<10}{}\n", c.name, c.summary);
  std::cout << "\nRun 'syscribe COMMAND --help' for the options of one command.\n"
               "Options: --help, --version\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help();
    return syscribe::kExitUsage;
  }
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return 0;
  }
  if (name == "--version" || name == "-V") {
    std::cout << "syscribe " << SYSCRIBE_VERSION << "\n";
    return 0;
  }
  for (const auto& c : syscribe::cli::commands()) {
    if (c.name != name) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const syscribe::Error& e) {
      std::cerr << "syscribe " << name << ": " << e.what() << "\n";
      return e.exit_code();
    } catch (const std::exception& e) {
      std::cerr << "syscribe " << name << ": internal error: " << e.what() << "\n";
      return syscribe::kExitFailure;
    }
  }
  std::cerr << fmt::format("syscribe: unknown command '{}' (see 'syscribe --help')\n", name);
  return syscribe::kExitUsage;
}
