// syscribe lint: a seccomp profile of any origin, checked for what runtimes hide.
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/error.h"
#include "generator/lint.h"
#include "generator/profile.h"

namespace syscribe::cli {

int cmd_lint(const Args& args) {
  po::options_description opts("Options");
  auto p = parse_args("lint", "syscribe lint PROFILE...",
                      "Reads OCI, Docker and SPO (JSON) profiles. Reports unknown syscall names (runc\n"
                      "ignores them), names absent on a listed arch, rules equal to the default (runc\n"
                      "skips them), a missing clone3 rule, compat arches, high-risk syscalls allowed\n"
                      "without a comment, duplicates and malformed JSON. Exit 1 when it finds problems.\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.empty()) throw usage_error("give a profile to lint");
  size_t problems = 0;
  for (const auto& path : p.positional) {
    gen::Profile prof = gen::read_profile(path);
    auto findings = gen::lint_profile(prof);
    for (const auto& f : findings) std::cout << fmt::format("{}: {}: {}\n", path, f.where, f.message);
    if (findings.empty()) std::cout << fmt::format("{}: ok\n", path);
    problems += findings.size();
  }
  return problems ? kExitFailure : kExitOk;
}

}  // namespace syscribe::cli
