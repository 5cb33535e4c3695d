#include "generator/merge.h"

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::gen {

namespace {

std::string major_of(const std::string& version) { return version.substr(0, version.find('.')); }

std::string describe(const ev::Recording& r) {
  return fmt::format("{} started {}", r.command.empty() ? std::string("(no command)") : r.command.front(), r.started);
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
    ev::Evidence e = ev::read_evidence(path);
    std::string name = path == "-" ? "<stdin>" : path;
    if (!desc.empty()) check_mergeable(out, desc, e, name);
    ev::merge_into(out, e);
    desc = desc.empty() ? name : desc + ", " + name;
  }
  return out;
}

}  // namespace syscribe::gen
