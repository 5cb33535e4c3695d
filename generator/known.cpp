#include "generator/known.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "evidence/evidence.h"
#include "generator/compile.h"
#include "generator/profile.h"

namespace syscribe::gen {

std::set<std::string> known_syscalls(const std::string& file) {
  std::string text = read_file(file);
  size_t first = text.find_first_not_of(" \t\r\n");
  std::set<std::string> names;
  nlohmann::json j;
  if (first != std::string::npos && text[first] == '{') j = parse_json_text(text, file);
  if (ev::is_evidence(j)) {
    ev::Evidence e = ev::from_json(j, file);
    for (const auto& [key, proc] : e.processes)
      for (const auto& [phase, arches] : proc.phases)
        for (const auto& [arch, calls] : arches)
          for (const auto& [name, stats] : calls) names.insert(name);
    for (const auto& r : e.recordings) names.insert(r.known.begin(), r.known.end());
  } else {
    Profile p = parse_profile_text(text, file);
    for (const auto& r : p.syscalls)
      if (r.action == Action::allow && r.args.empty() && r.includes.empty() && r.excludes.empty())
        names.insert(r.names.begin(), r.names.end());
  }
  std::set<std::string> known;
  for (const auto& name : names) {
    const sys::SyscallInfo* s = sys::find(name);
    // Argument-sensitive (some argument is recorded): a new value must still reach the tracer.
    if (s && !s->has_recorded_args()) known.insert(name);
  }
  return known;
}

std::vector<uint8_t> known_filter(const std::set<std::string>& known, const std::vector<sys::Arch>& arches) {
  Profile p;
  p.default_action = Action::trace;
  p.default_errno_ret = 0;
  if (!known.empty()) {
    Rule allow;
    allow.names.assign(known.begin(), known.end());
    allow.action = Action::allow;
    p.syscalls.push_back(std::move(allow));
  }
  Compiled c = compile_profile(p, arches, {}, "the --known recording filter");
  return export_bpf(c.ctx.get());
}

}  // namespace syscribe::gen
