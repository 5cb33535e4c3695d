// The notes pass: what the profile added besides the workload's own calls, and what people
// must know about its arches.
#include <algorithm>

#include <fmt/format.h>

#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {
constexpr std::string_view kOrdinals[] = {"first", "second", "third", "fourth", "fifth", "sixth"};
}

void pass_notes(PolicyBuild& b) {
  Policy& pol = b.pol;
  const std::string& runtime = b.opts.runtime;
  for (auto& [name, e] : b.entries) {
    for (const auto& f : e.filters)
      for (const sys::ArgPlace& at : sys::find(name)->args[f.index].moved)
        if (std::find(pol.arches.begin(), pol.arches.end(), at.arch) != pol.arches.end())
          pol.warnings.push_back(fmt::format("{} on {} takes {} as its {} argument: the {} filter does not hold there",
                                             name, sys::arch_name(at.arch), f.arg, kOrdinals[at.index], name));
    if (e.has(Origin::observed)) continue;
    if (e.has(Origin::translation))
      pol.notes.push_back(fmt::format("{}: added by translation ({})", name, e.sources.front().note));
    if (e.has(Origin::runtime_tail)) pol.notes.push_back(fmt::format("{}: added for the {} runtime tail", name, runtime));
    if (e.has(Origin::essential)) pol.notes.push_back(fmt::format("{}: added as essential", name));
    if (e.has(Origin::known)) pol.notes.push_back(fmt::format("{}: known to an incremental recording", name));
    if (e.has(Origin::fallback)) pol.notes.push_back(fmt::format("{}: added as the clone3 fallback", name));
  }
  if (std::any_of(pol.arches.begin(), pol.arches.end(), sys::big_endian) &&
      !std::all_of(pol.arches.begin(), pol.arches.end(), sys::big_endian))
    pol.warnings.push_back("s390x beside little-endian arches: libseccomp (runc) cannot load arches of both byte "
                           "orders in one filter; flat OCI/SPO profiles fail to load, use --format docker (archMap) "
                           "or one profile per arch family");
}

}  // namespace syscribe::gen
