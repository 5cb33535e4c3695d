// The essentials pass: the calls no process can live without, on the listed arches that
// have them (sigreturn only where the arch has it).
#include <algorithm>

#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {
constexpr std::string_view kEssentials[] = {"exit", "exit_group", "restart_syscall", "rt_sigreturn", "sigreturn"};
}

void pass_essentials(PolicyBuild& b) {
  for (std::string_view n : kEssentials) {
    const sys::SyscallInfo* s = sys::find(n);
    if (!s || std::none_of(b.pol.arches.begin(), b.pol.arches.end(), [&](sys::Arch a) { return s->exists_on(a); }))
      continue;
    PolicyEntry& e = b.entry(std::string(n));
    add_source(e, Origin::essential, "no process can live without it");
    if (!e.has(Origin::observed)) {
      e.filters.clear();
      e.tuples.clear();
    }
  }
}

}  // namespace syscribe::gen
