// Docker's default seccomp profile as data (syscalls-tables/docker-default.txt, embedded at
// build time), evaluated for a container with Docker's default capabilities.
#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/tsv.h"
#include "generator/report.h"

namespace syscribe::gen {

extern const char* const kDockerDefaultTxt;

namespace {

struct Row {
  std::string name;
  std::vector<std::string> conds;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> all = [] {
    std::vector<Row> out;
    for (auto& cells : tsv_rows(kDockerDefaultTxt, 2)) {  // name, conditions
      Row r;
      r.name = std::move(cells[0]);
      std::istringstream cs(cells[1]);
      for (std::string c; cs >> c;) r.conds.push_back(c);
      out.push_back(std::move(r));
    }
    return out;
  }();
  return all;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

// Whether one of Docker's arch names ("amd64", "arm64", "s390") is among ours.
bool arch_listed(const std::string& docker_names, const std::vector<sys::Arch>& arches) {
  for (const auto& n : split(docker_names, ',')) {
    auto a = sys::parse_arch(n);
    if (a && std::find(arches.begin(), arches.end(), *a) != arches.end()) return true;
  }
  return false;
}

// The best Docker grants through one row, given default capabilities (no CAP_SYS_ADMIN,
// CAP_SYS_PTRACE, ...) and a kernel newer than any minKernel in that file (4.8).
DockerVerdict row_verdict(const Row& r, const std::vector<sys::Arch>& arches) {
  DockerVerdict v{DockerStatus::allowed, ""};
  for (const auto& c : r.conds) {
    auto eq = c.find('=');
    std::string key = c.substr(0, eq), val = eq == std::string::npos ? "" : c.substr(eq + 1);
    if (key == "arches" && !arch_listed(val, arches)) return {DockerStatus::not_allowed, ""};
    if (key == "not-arches" && std::all_of(arches.begin(), arches.end(), [&](sys::Arch a) { return arch_listed(val, {a}); }))
      return {DockerStatus::not_allowed, ""};
    if (key == "args" && v.status == DockerStatus::allowed) v = {DockerStatus::args_restricted, "argument limits"};
    if (key == "caps") v = {DockerStatus::needs_capability, val};
  }
  return v;
}

}  // namespace

std::string docker_default_source() {
  std::istringstream in(kDockerDefaultTxt);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("# Source: ", 0) == 0) {
      std::string more;
      std::getline(in, more);
      more = more.substr(more.find_first_not_of("# "));
      return line.substr(10) + " " + more.substr(0, more.find(", fetched"));  // "... 20.10.24+dfsg1-1+deb12u1 (moby v20.10.24)"
    }
  return "Docker's default seccomp profile";
}

DockerVerdict docker_default_status(const std::string& syscall, const std::vector<sys::Arch>& arches) {
  DockerVerdict best{DockerStatus::not_allowed, ""};
  for (const auto& r : rows()) {
    if (r.name != syscall) continue;
    DockerVerdict v = row_verdict(r, arches);
    if (v.status < best.status) best = v;
    else if (v.status == best.status && v.status == DockerStatus::needs_capability && best.detail != v.detail)
      best.detail += " or " + v.detail;
  }
  return best;
}

std::vector<std::string> docker_default_allowed(const std::vector<sys::Arch>& arches) {
  std::vector<std::string> out;
  for (const auto& r : rows()) {
    auto s = docker_default_status(r.name, arches).status;
    if ((s == DockerStatus::allowed || s == DockerStatus::args_restricted) &&
        std::find(out.begin(), out.end(), r.name) == out.end())
      out.push_back(r.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace syscribe::gen
