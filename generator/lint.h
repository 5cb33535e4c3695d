// Checks a seccomp profile of any origin for the mistakes runtimes hide (unknown names are
// ignored, rules equal to the default skipped, ...). Pure: the CLI prints the findings.
#pragma once

#include <string>
#include <vector>

#include "generator/profile.h"

namespace syscribe::gen {

struct Finding {
  std::string where;    // JSON path: "$.syscalls[3].names[1]", or "$" for the whole profile
  std::string message;  // one line
};

// Every finding, in profile order. Empty when the profile is clean.
std::vector<Finding> lint_profile(const Profile& p);

}  // namespace syscribe::gen
