// syscribe mark: switch a running recording to another phase, from another shell,
// a test harness, or the workload itself (which inherits SYSCRIBE_CONTROL).
#include <cstdlib>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/error.h"
#include "tracer/control_socket.h"

namespace syscribe::cli {

int cmd_mark(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("control", po::value<std::string>(),
                     "control socket of the recording (default: $SYSCRIBE_CONTROL)");
  auto p = parse_args("mark", "syscribe mark [--control SOCKET] PHASE",
                      "From now on, the running recording counts syscalls in phase PHASE.\n"
                      "The mark is kept with its time in the evidence.\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.size() != 1) throw usage_error("give one phase name");
  std::string path;
  if (p.vm.count("control")) path = p.vm["control"].as<std::string>();
  else if (const char* env = getenv(tracer::kControlEnv)) path = env;
  if (path.empty()) throw usage_error(fmt::format("no --control and no ${}: which recording?", tracer::kControlEnv));
  tracer::send_mark(path, p.positional[0]);
  return 0;
}

}  // namespace syscribe::cli
