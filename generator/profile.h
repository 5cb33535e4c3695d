// The seccomp profile model: the OCI runtime-spec `linux.seccomp` structure plus the
// fields of Docker's dialect, read from and written to OCI, Docker and
// security-profiles-operator (SPO) files. See docs/profiles.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "generator/action.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

// The file dialects. `oci` is the flat runtime-spec structure containerd loads;
// `docker` adds archMap, comment, includes/excludes; `spo` is the SeccompProfile CRD.
enum class Format : uint8_t { oci, docker, spo };
std::string_view format_name(Format f);
std::optional<Format> parse_format(std::string_view text);

// One argument condition, as in the OCI spec. `op` is the SCMP_CMP_* spelling.
// SCMP_CMP_MASKED_EQ means (arg & value) == value_two.
struct ArgCond {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op = "SCMP_CMP_EQ";
  bool operator==(const ArgCond&) const = default;
  auto operator<=>(const ArgCond&) const = default;
};

// Docker's conditional rules: a rule applies only when the host matches `includes`
// and does not match `excludes`.
struct DockerFilter {
  std::vector<std::string> caps;    // includes: all needed; excludes: any present skips
  std::vector<std::string> arches;  // Go arch names ("amd64", "arm64", "x32", ...) of the host
  std::string min_kernel;           // "4.8"; syscribe assumes the host satisfies it
  bool empty() const { return caps.empty() && arches.empty() && min_kernel.empty(); }
  bool operator==(const DockerFilter&) const = default;
};

struct Rule {
  std::vector<std::string> names;
  Action action = Action::allow;
  std::optional<uint32_t> errno_ret;  // for Action::error and Action::trace
  std::vector<ArgCond> args;
  std::string comment;                    // Docker and SPO only
  DockerFilter includes, excludes;        // Docker only
  bool operator==(const Rule&) const = default;
};

struct ArchMapEntry {
  std::string architecture;                     // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;  // "SCMP_ARCH_X86", "SCMP_ARCH_X32"
  bool operator==(const ArchMapEntry&) const = default;
};

struct Profile {
  Format format = Format::oci;  // the dialect it was read as (or is meant to be written as)
  Action default_action = Action::error;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_* names
  std::vector<ArchMapEntry> arch_map;      // Docker
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*
  std::string listener_path;
  std::string listener_metadata;
  std::vector<Rule> syscalls;
  // SPO metadata. Annotations carry what the CRD has no field for: the reason a syscall
  // is allowed, under reason_annotation(NAME) (YAML comments are not data).
  std::string name;
  std::string nspace;
  std::map<std::string, std::string> annotations;
  bool operator==(const Profile&) const = default;
};

// "syscribe.dev/reason.NAME": the SPO annotation holding why NAME is allowed.
std::string reason_annotation(std::string_view syscall);
// Why `syscall` (one of `r`'s names) is allowed as the file itself says: the rule's
// comment (Docker) or the SPO reason annotation. Empty when the file says nothing.
std::string stated_reason(const Profile& p, const Rule& r, std::string_view syscall);

// A syscall name the tables do not know, with its JSON path ("$.syscalls[3].names[1]").
struct UnknownName {
  std::string where;
  std::string name;
};
// Every unknown name in profile order; runtimes skip them (libseccomp cannot resolve them).
std::vector<UnknownName> unknown_syscalls(const Profile& p);

bool known_op(std::string_view op);
bool known_flag(std::string_view flag);

// Reads OCI, Docker or SPO (the CRD as YAML or JSON; any profile may be YAML), or a whole
// OCI config.json (its linux.seccomp). Detects the dialect. Throws Error naming the file and
// the JSON path (or line:column for syntax errors).
Profile read_profile(const std::string& path);
Profile parse_profile(const nlohmann::json& j, const std::string& file);
Profile parse_profile_text(const std::string& text, const std::string& file);

// Serializes in the given dialect. OCI drops comments and Docker-only fields; Docker turns
// `architectures` into an archMap (natives with their listed compat arches). Deterministic.
std::string write_profile(const Profile& p, Format f);
nlohmann::json profile_json(const Profile& p, Format f);  // oci and docker only

// The arches a runtime on `host` puts in the filter: the host's own arch always (runc's
// seccomp_init includes it), plus the listed ones; for an archMap, the host's entry and its
// sub-architectures. Unknown names are skipped (and reported by lint).
std::vector<sys::Arch> effective_arches(const Profile& p, sys::Arch host);
// The listed arches as parsed (architectures, or every arch named in archMap).
std::vector<sys::Arch> listed_arches(const Profile& p);


// Whether a Docker rule applies on `host` with capabilities `caps` (minKernel assumed met).
bool rule_applies(const Rule& r, sys::Arch host, const std::vector<std::string>& caps);

}  // namespace syscribe::gen
