// The essentials pass: the calls no process can live without (info.tsv's policy column says
// `essential`), on the listed arches that have them (sigreturn only where the arch has it).
#include <algorithm>

#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_essentials(PolicyBuild& b) {
  for (const sys::SyscallInfo& s : sys::all_syscalls()) {
    if (!s.essential ||
        std::none_of(b.pol.arches.begin(), b.pol.arches.end(), [&](sys::Arch a) { return s.exists_on(a); }))
      continue;
    PolicyEntry& e = b.entry(std::string(s.name));
    add_source(e, Origin::essential, "no process can live without it");
    if (!e.has(Origin::observed)) {
      e.filters.clear();
      e.tuples.clear();
    }
  }
}

}  // namespace syscribe::gen
