#include "generator/merge.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

namespace {

std::string major_of(const std::string& version) { return version.substr(0, version.find('.')); }

std::string describe(const ev::Recording& r) {
  return fmt::format("{} started {}", r.command.empty() ? std::string("(no command)") : r.command.front(), r.started);
}

// The evidence reader checks structure; the names must also be ones the generator can put
// in a profile. "#<nr>" (a number the tracer could not name) is allowed and warned about later.
void check_names(const nlohmann::json& root, const std::string& file) {
  const auto& procs = root.at("processes");
  for (size_t i = 0; i < procs.size(); ++i)
    for (const auto& [phase, arches] : procs[i].at("phases").items())
      for (const auto& [arch, calls] : arches.items()) {
        std::string path = fmt::format("$.processes[{}].phases.{}.{}", i, phase, arch);
        if (!sys::parse_arch(arch)) throw Error(fmt::format("{}: {}: unknown architecture \"{}\"", file, path, arch));
        for (const auto& [name, _] : calls.items())
          if (name.empty() || (name[0] != '#' && !sys::find(name)))
            throw Error(fmt::format("{}: {}.{}: unknown syscall \"{}\"", file, path, name, name));
      }
}

}  // namespace

void check_mergeable(const ev::Evidence& into, const std::string& into_desc, const ev::Evidence& from,
                     const std::string& from_file) {
  for (const auto& r : from.recordings) {
    for (const auto& q : into.recordings) {
      if (!r.started.empty() && r.started == q.started && r.command == q.command && r.host_arch == q.host_arch)
        throw Error(fmt::format("{}: recording '{}' is already in {}: merging the same run twice would double its counts",
                                from_file, describe(r), into_desc));
      if (!r.tool_version.empty() && !q.tool_version.empty() && major_of(r.tool_version) != major_of(q.tool_version))
        throw Error(fmt::format("{}: recorded by syscribe {}, {} by syscribe {}: evidence of different major versions "
                                "is not merged",
                                from_file, r.tool_version, into_desc, q.tool_version));
    }
  }
}

ev::Evidence read_merged(const std::vector<std::string>& paths) {
  ev::Evidence out;
  std::string desc;
  for (const auto& path : paths) {
    std::string name = path == "-" ? "<stdin>" : path;
    std::string text = read_file(path);
    ev::refuse_other_kind_text(text, name);
    nlohmann::json j = parse_json_text(text, name);
    ev::Evidence e = ev::from_json(j, name);
    check_names(j, name);
    if (!desc.empty()) check_mergeable(out, desc, e, name);
    ev::merge_into(out, e);
    desc = desc.empty() ? name : desc + ", " + name;
  }
  return out;
}

}  // namespace syscribe::gen
