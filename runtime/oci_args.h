// The OCI runtime command line (runc's and crun's): global flags, a command, its flags
// and the container id. syscribe-runtime reads only what it needs and hands the whole
// command line on unchanged.
#pragma once

#include <string>
#include <vector>

namespace syscribe::rt {

struct OciCall {
  std::string command;       // "create", "start", "state", ... or empty (only global flags)
  std::string bundle = ".";  // --bundle / -b of create and run
  std::string container_id;  // the last positional argument of the command
};

// `args` without argv[0]. Never throws: what it cannot read is left to the real runtime,
// which reports it.
OciCall parse_oci_call(const std::vector<std::string>& args);

}  // namespace syscribe::rt
