// Test helper: loads a profile through libseccomp (as runc would on this host) and execs a
// command under it. Usage: load_and_exec PROFILE CMD [ARGS...]
#include <cstdio>
#include <seccomp.h>
#include <unistd.h>

#include "core/error.h"
#include "generator/compile.h"

using namespace syscribe;
using namespace syscribe::gen;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: load_and_exec PROFILE CMD [ARGS...]\n");
    return 2;
  }
  try {
    Profile p = read_profile(argv[1]);
    Compiled c = compile_profile(p, effective_arches(p, sys::host_arch()), {}, argv[1]);
    if (int rc = seccomp_load(static_cast<scmp_filter_ctx>(c.ctx.get())); rc != 0) {
      std::fprintf(stderr, "seccomp_load: %d\n", rc);
      return 2;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  execv(argv[2], argv + 2);
  std::perror("execv");
  return 127;
}
