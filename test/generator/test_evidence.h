// Evidence for generator tests, written in a line: one process that made a syscall with
// given argument tuples.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "evidence/evidence.h"

namespace syscribe::gen {

using Tuple = std::vector<uint64_t>;

// One process that made `syscall` with each of `tuples` (values of ev::tuple_args, in order)
// once, and each of `others` once without arguments; on x86_64, phase startup.
inline ev::Evidence evidence_with(const std::string& syscall, const std::vector<Tuple>& tuples,
                                  const std::vector<std::string>& others = {}, bool keep_tuples = true) {
  ev::Evidence ev;
  ev::Process& p = ev.processes[{"/usr/bin/app", "app"}];
  p.exe = "/usr/bin/app";
  p.comm = "app";
  p.instances = 1;
  auto& calls = p.phases["startup"]["x86_64"];
  const sys::SyscallInfo* info = sys::find(syscall);
  std::vector<size_t> idx = ev::tuple_args(*info);
  ev::SyscallStats& st = calls[syscall];
  for (const auto& t : tuples) {
    ++st.count;
    for (size_t i = 0; i < idx.size(); ++i) st.args[std::string(info->args[idx[i]].name)][fmt::format("0x{:x}", t[i])] += 1;
    if (keep_tuples) st.tuples[ev::tuple_key(*info, t)] += 1;
  }
  for (const auto& o : others) calls[o].count = 1;
  return ev;
}

}  // namespace syscribe::gen
