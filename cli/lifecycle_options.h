// The lifecycle options record and run share: --ready, --traffic, --reload, ...
#pragma once

#include <string>

#include "cli/options.h"
#include "tracer/lifecycle.h"

namespace syscribe::cli {

void add_lifecycle_options(po::options_description& opts);
// Throws a usage Error for a bad --ready or signal name.
tracer::LifecyclePlan lifecycle_plan(const po::variables_map& vm);
// The exit status of a driven run: 1 (after printing `failure` as "syscribe CMD: ...")
// when the lifecycle failed, 0 when the workload exited 0 or died of the stop signal,
// otherwise the workload's status.
int lifecycle_exit(const tracer::LifecyclePlan& plan, const std::string& failure, int workload_status,
                   const std::string& command_name);
// A signal by name ("TERM", "SIGTERM") or number; throws a usage Error naming `option`.
int parse_signal(const std::string& text, const char* option);

}  // namespace syscribe::cli
