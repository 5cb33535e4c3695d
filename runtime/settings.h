// syscribe-runtime's configuration: /etc/syscribe/runtime.conf (or $SYSCRIBE_RUNTIME_CONFIG),
// lines of KEY = VALUE. Engines start their runtime with an environment of their own, so a
// file is the one place every engine (podman, containerd, CRI-O) lets an operator set it.
#pragma once

#include <string>

#include "runtime/oci_config.h"

namespace syscribe::rt {

inline constexpr const char* kDefaultConfig = "/etc/syscribe/runtime.conf";

struct RuntimeSettings {
  std::string runtime;  // the real runtime: a path, or a name looked up on PATH
  std::string log;      // where notes about recorded containers are appended ("" = EVIDENCE_DIR/syscribe-runtime.log)
  Settings record;
};

// Reads `path` (a missing file gives the defaults). Keys: runtime, syscribe, evidence-dir,
// evidence-roots (colon-separated), log. Throws Error "FILE:LINE: ..." for a line that is
// not KEY = VALUE or an unknown key. `self_dir` is the wrapper's own directory: the default
// syscribe is SELF_DIR/syscribe-static.
RuntimeSettings parse_settings(const std::string& text, const std::string& path, const std::string& self_dir);
RuntimeSettings read_settings(const std::string& path, const std::string& self_dir);

}  // namespace syscribe::rt
