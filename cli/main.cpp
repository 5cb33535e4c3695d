// syscribe: records the syscalls a workload makes and turns them into a reviewed
// seccomp profile. main() dispatches to the subcommand table and turns errors into
// one line on stderr and an exit status.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

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
  std::cout << "\nRun 'syscribe help COMMAND' or 'syscribe COMMAND --help' for the options of one command.\n"
               "Options: --help (-h), --version (-v, -V; also 'syscribe version')\n";
}

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The command a typo most likely meant: the only one it begins, else the nearest within
// two edits (fewer for short names).
std::optional<std::string_view> nearest_command(std::string_view typed) {
  std::vector<std::string_view> prefixed;
  for (const auto& c : syscribe::cli::commands())
    if (typed.size() >= 2 && c.name.substr(0, typed.size()) == typed) prefixed.push_back(c.name);
  if (prefixed.size() == 1) return prefixed[0];
  std::optional<std::string_view> best;
  size_t best_d = 3;
  for (const auto& c : syscribe::cli::commands()) {
    size_t d = edit_distance(typed, c.name);
    if (d < best_d && d < c.name.size() / 2 + 1) {
      best_d = d;
      best = c.name;
    }
  }
  return best;
}

const syscribe::cli::Command* find_command(std::string_view name) {
  for (const auto& c : syscribe::cli::commands())
    if (c.name == name) return &c;
  return nullptr;
}

int unknown_command(const std::string& name) {
  if (auto near = nearest_command(name))
    std::cerr << fmt::format("syscribe: unknown command '{}': did you mean '{}'? (see 'syscribe --help')\n", name, *near);
  else
    std::cerr << fmt::format("syscribe: unknown command '{}' (see 'syscribe --help')\n", name);
  return syscribe::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help();
    return syscribe::kExitUsage;
  }
  std::string name = args[0];
  if (name == "help" && args.size() > 1) {
    // 'syscribe help record' is 'syscribe record --help'.
    name = args[1];
    if (!find_command(name)) return unknown_command(name);
    args = {name, "--help"};
  }
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return 0;
  }
  if (name == "--version" || name == "-V" || name == "-v" || name == "version") {
    std::cout << "syscribe " << SYSCRIBE_VERSION << "\n";
    return 0;
  }
  const syscribe::cli::Command* c = find_command(name);
  if (!c) return unknown_command(name);
  try {
    return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const syscribe::Error& e) {
    std::cerr << "syscribe " << name << ": " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "syscribe " << name << ": internal error: " << e.what() << "\n";
    return syscribe::kExitFailure;
  }
}
