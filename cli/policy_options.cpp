#include "cli/policy_options.h"

#include <iostream>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::cli {

gen::PolicyOptions read_policy_options(const po::variables_map& vm, std::string_view command, bool quiet) {
  gen::PolicyOptions o;
  if (vm.count("phases")) o.phases = split_list(vm["phases"].as<std::vector<std::string>>());
  if (vm.count("exclude-process")) o.exclude_processes = vm["exclude-process"].as<std::vector<std::string>>();
  o.arg_filters = !vm.count("no-arg-filters");
  if (vm.count("arch"))
    for (const auto& a : split_list(vm["arch"].as<std::vector<std::string>>())) {
      auto arch = sys::parse_arch(a);
      if (!arch) throw usage_error(fmt::format("unknown architecture '{}'", a));
      o.arches.push_back(*arch);
    }
  o.runtime = vm["runtime"].as<std::string>();
  if (o.runtime == "docker" || o.runtime == "moby") {
    if (!quiet)
      std::cerr << "syscribe " << command << ": note: Docker runs containers with runc: --runtime " << o.runtime
                << " adds runc's tail\n";
    o.runtime = "runc";
  }
  return o;
}

}  // namespace syscribe::cli
