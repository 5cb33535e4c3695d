// Compiling a profile through libseccomp the way runc does, and evaluating one call
// against the compiled filter (its exported BPF run on a fake struct seccomp_data), so
// tests, `lint` and `explain --profile` see exactly what the kernel would decide.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "generator/profile.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

struct FilterDeleter {
  void operator()(void* ctx) const;
};
// An owned scmp_filter_ctx (libseccomp's opaque handle; cast with static_cast).
using FilterPtr = std::unique_ptr<void, FilterDeleter>;

struct CompileOptions {
  // Our own generated profiles: an unknown syscall name is an error. Profiles of any other
  // origin: unknown names are skipped, as runc does (and listed in `skipped`).
  bool strict = false;
  // The host the runtime runs on: decides Docker's includes/excludes.arches.
  sys::Arch host = sys::host_arch();
  // Capabilities granted (Docker's includes/excludes.caps); empty by default.
  std::vector<std::string> caps;
  // libseccomp's binary tree of syscall numbers (SCMP_FLTATR_CTL_OPTIMIZE 2) instead of its
  // linear list: fewer compares per call in a filter with many syscalls (the --known filter).
  bool binary_tree = false;
};

struct Compiled {
  FilterPtr ctx;
  std::vector<std::string> skipped;  // "rule 3: unknown syscall \"foo\"", rules equal to the default
};

// Builds one libseccomp filter holding every arch in `arches`: per arch, each rule's
// syscalls are added by name as runc does (names absent on an arch per syscalls-tables are
// skipped there; a syscall newer than this libseccomp compiles on the host arch only, with
// our table's number, and is listed in `skipped` for the others); a rule whose action equals the default is
// skipped (runc does); when an argument index repeats within a rule, each condition
// becomes its own rule (runc's behaviour: all of them OR'ed), otherwise conditions AND.
// NO_NEW_PRIVS is left to libseccomp's default (set on load).
// Throws Error "FILE: rule N (NAME): ..." naming the rule libseccomp rejects, or an arch it
// does not know. `file` names the profile in messages.
Compiled compile_profile(const Profile& p, std::span<const sys::Arch> arches, const CompileOptions& opts = {},
                         const std::string& file = "profile");

// One arch and the profile compiled for it.
struct ArchProfile {
  sys::Arch arch;
  const Profile* profile;
};
// The same as compile_profile with a profile of its own per arch, for a filter whose rules
// differ per arch (the --known filter compares each arch's recorded values). The profiles
// must agree on the default action and flags (libseccomp merges only such filters).
Compiled compile_per_arch(std::span<const ArchProfile> parts, const CompileOptions& opts = {},
                          const std::string& file = "profile");

// libseccomp's exports of a compiled filter.
std::vector<uint8_t> export_bpf(void* ctx);  // raw struct sock_filter array
std::string export_pfc(void* ctx);

// The libseccomp token of an arch, or 0 when this libseccomp does not know it.
uint32_t scmp_arch_token(sys::Arch a);

// One classic-BPF program (as libseccomp exports it, in the arch's byte order) run on a
// seccomp_data; returns the SECCOMP_RET_* value. Throws Error on a malformed program.
uint32_t run_bpf(std::span<const uint8_t> prog, uint32_t audit_arch, int32_t nr, const std::array<uint64_t, 6>& args,
                 bool big_endian = false);

// Evaluates calls against a profile as the kernel would on `opts.host`: the profile is
// compiled for effective_arches() once, exported as BPF, and each call runs through it.
class Evaluator {
 public:
  explicit Evaluator(const Profile& p, const CompileOptions& opts = {}, const std::string& file = "profile");
  // SECCOMP_RET_* for one call. `nr` is the number on `arch` (x32 with or without the x32
  // bit). An arch outside the filter gets libseccomp's bad-arch action (KILL_THREAD).
  uint32_t evaluate(sys::Arch arch, int64_t nr, const std::array<uint64_t, 6>& args = {}) const;
  // The same by name; nullopt when the syscall does not exist on `arch`.
  std::optional<uint32_t> evaluate(sys::Arch arch, std::string_view name, const std::array<uint64_t, 6>& args = {}) const;
  const std::vector<std::string>& skipped() const { return skipped_; }
  const std::vector<sys::Arch>& arches() const { return arches_; }

 private:
  std::vector<uint8_t> prog_;
  std::vector<std::string> skipped_;
  std::vector<sys::Arch> arches_;
};

}  // namespace syscribe::gen
