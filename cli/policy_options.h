// The options generate and review share that say how to build the policy: phases, excluded
// processes, arches, the runtime tail, argument filters.
#pragma once

#include <string_view>

#include "cli/options.h"
#include "generator/policy.h"

namespace syscribe::cli {

// Reads --phases, --exclude-process, --arch, --runtime and --no-arg-filters from `vm` into
// options with the other fields at their defaults. --runtime docker (or moby) is runc's tail,
// since Docker starts every container with runc; a note on stderr says so unless `quiet`.
// Throws a usage Error for an unknown arch.
gen::PolicyOptions read_policy_options(const po::variables_map& vm, std::string_view command, bool quiet);

}  // namespace syscribe::cli
