// Checks a seccomp profile of any origin for the mistakes runtimes hide (unknown names are
// ignored, rules equal to the default skipped, ...). Pure: the CLI prints the findings.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "generator/profile.h"

namespace syscribe::gen {

struct Finding {
  std::string where;    // JSON path: "$.syscalls[3].names[1]", or "$" for the whole profile
  std::string message;  // one line
  bool warning = false; // worth reading, but not a reason to fail
};

struct LintOptions {
  // Syscalls the review decisions kept beside the profile allow (each with a stated reason):
  // a high-risk syscall allowed without a comment in the file is fine when the decisions
  // say why.
  std::set<std::string> reviewed;
};

// Every finding, in profile order. Empty when the profile is clean. A high-risk syscall
// allowed with no stated reason is an error, or a warning in an OCI file (which has no
// field for a reason: give the decisions in LintOptions::reviewed).
std::vector<Finding> lint_profile(const Profile& p, const LintOptions& opts = {});

// The --json form of lint's findings, one entry per file in the order given (docs/json-output.md):
// {"format": "syscribe-lint", "version": 1, "ok": ..., "errors": N, "warnings": N, "files": [...]}.
std::string lint_json(const std::vector<std::pair<std::string, std::vector<Finding>>>& files);

}  // namespace syscribe::gen
