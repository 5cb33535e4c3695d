#include "runtime/oci_args.h"

#include <set>

namespace syscribe::rt {

namespace {

// Flags of runc and crun that take a separate value ("--root DIR"); every other flag is a
// switch. Global flags, then the create/run flags.
const std::set<std::string> kValueFlags = {
    "--root", "--log", "--log-format", "--criu", "--rootless", "--cgroup-manager",
    "--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds", "--pidfd-socket",
};

}  // namespace

OciCall parse_oci_call(const std::vector<std::string>& args) {
  OciCall call;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) positional.push_back(args[i]);
      break;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string flag = a, value;
      bool has_value = false;
      if (size_t eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        flag = a.substr(0, eq);
        value = a.substr(eq + 1);
        has_value = true;
      } else if (a.size() > 2 && a[0] == '-' && a[1] == 'b') {  // -bDIR
        flag = "-b";
        value = a.substr(2);
        has_value = true;
      } else if (kValueFlags.count(a) && i + 1 < args.size()) {
        value = args[++i];
        has_value = true;
      }
      if (has_value && !call.command.empty() && (flag == "--bundle" || flag == "-b")) call.bundle = value;
      continue;
    }
    if (call.command.empty())
      call.command = a;
    else
      positional.push_back(a);
  }
  if (!positional.empty()) call.container_id = positional.back();
  return call;
}

}  // namespace syscribe::rt
