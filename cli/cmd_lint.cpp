// syscribe lint: a seccomp profile of any origin, checked for what runtimes hide.
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/error.h"
#include "generator/lint.h"
#include "generator/profile.h"
#include "generator/review.h"

namespace syscribe::cli {

int cmd_lint(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("review", po::value<std::string>(), "review decisions (as for generate): an allow decision is the reason a "
                                           "high-risk syscall is allowed")
      ("json", "print the findings as one JSON document (docs/json-output.md); the exit status is the same");
  auto p = parse_args("lint", "syscribe lint [--review DECISIONS] [--json] PROFILE...",
                      "Reads OCI, Docker and SPO (JSON or YAML) profiles. Reports unknown syscall names\n"
                      "(runc ignores them), names absent on a listed arch, rules equal to the default\n"
                      "(runc skips them), a missing clone3 rule, compat arches, high-risk syscalls\n"
                      "allowed without a reason, duplicates and malformed input. Exit 1 when it finds\n"
                      "problems; warnings alone exit 0.\n"
                      "A reason is a Docker rule's comment, an SPO annotation syscribe.dev/reason.NAME\n"
                      "(syscribe writes both), or an allow decision in --review. An OCI profile has no\n"
                      "field for one: there a high-risk syscall without a decision is a warning.\n\n"
                      "Examples:\n"
                      "  syscribe lint /usr/share/containers/seccomp.json\n"
                      "  syscribe lint --review review.yaml profile.json\n"
                      "  syscribe lint --json profile.json | jq '.files[].findings[]'\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.empty()) throw usage_error("give a profile to lint");
  gen::LintOptions lo;
  if (p.vm.count("review"))
    for (const auto& d : gen::read_decisions(p.vm["review"].as<std::string>()).list)
      if (d.allow) lo.reviewed.insert(d.syscall);
  size_t problems = 0;
  if (p.vm.count("json")) {
    // Every file is read before anything is printed: a malformed one fails the command alone.
    std::vector<std::pair<std::string, std::vector<gen::Finding>>> all;
    for (const auto& path : p.positional) all.emplace_back(path, gen::lint_profile(gen::read_profile(path), lo));
    for (const auto& [_, findings] : all)
      for (const auto& f : findings) problems += !f.warning;
    std::cout << gen::lint_json(all);
    return problems ? kExitFailure : kExitOk;
  }
  for (const auto& path : p.positional) {
    gen::Profile prof = gen::read_profile(path);
    auto findings = gen::lint_profile(prof, lo);
    size_t warnings = 0;
    for (const auto& f : findings) {
      std::cout << fmt::format("{}: {}: {}{}\n", path, f.where, f.warning ? "warning: " : "", f.message);
      if (f.warning) ++warnings;
    }
    if (warnings == findings.size())
      std::cout << fmt::format("{}: ok{}\n", path,
                               warnings ? fmt::format(" ({} warning{})", warnings, warnings == 1 ? "" : "s") : "");
    problems += findings.size() - warnings;
  }
  return problems ? kExitFailure : kExitOk;
}

}  // namespace syscribe::cli
