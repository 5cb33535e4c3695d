// The known pass: an incremental recording (record --known) did not stop on syscalls it
// already knew, so they are not in its evidence as calls; they stay allowed.
#include "generator/passes/passes.h"

namespace syscribe::gen {

void pass_known(PolicyBuild& b) {
  for (const auto& r : b.recordings)
    for (const auto& name : r.known) {
      const sys::SyscallInfo* s = sys::find(name);
      // A stub (clone3) keeps its errno: it is never argument-free knowledge.
      if (!s || s->stub_errno != 0 || (b.entries.count(name) && b.entries[name].has(Origin::known))) continue;
      PolicyEntry& e = b.entry(name);
      if (!e.has(Origin::observed)) {  // known calls are never argument-sensitive
        e.filters.clear();
        e.tuples.clear();
      }
      add_source(e, Origin::known, "allowed without recording by an incremental recording (--known)");
    }
}

}  // namespace syscribe::gen
