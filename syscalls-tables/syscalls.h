// Lookup of the syscall facts kept as data in syscalls-tables/*.csv|tsv.
// The data tables behind these functions are generated at build time by
// gen_table.py; no other code spells a syscall number.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace syscribe::sys {

// Every architecture syscribe knows. Order is the column order of numbers.csv.
enum class Arch : uint8_t { x86_64, i386, x32, aarch64, arm, riscv64, s390x, ppc64le, loongarch64 };
inline constexpr size_t kArchCount = 9;
inline constexpr std::array<Arch, kArchCount> kAllArches = {
    Arch::x86_64, Arch::i386,  Arch::x32,     Arch::aarch64,    Arch::arm,
    Arch::riscv64, Arch::s390x, Arch::ppc64le, Arch::loongarch64};

// "x86_64", "i386", "x32", "aarch64", "arm", "riscv64", "s390x", "ppc64le", "loongarch64".
std::string_view arch_name(Arch arch);
// The libseccomp/OCI spelling: "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", ...
std::string_view scmp_arch_name(Arch arch);
// Go's GOARCH for a native arch ("amd64", "arm64", ...; i386 is "386"), the name Docker's
// includes.arches matches the host against.
std::string_view go_arch_name(Arch arch);
// The bits of an argument the recorder keeps and a --known filter compares: the low 32 for a
// 32-bit C type (`is32`) and for every argument on an ILP32 arch (i386, x32, arm), where the
// high half may hold garbage; all 64 otherwise.
uint64_t arg_mask(Arch arch, bool is32);
// Accepts our names, the SCMP_ARCH_* names and common aliases (amd64, x86, arm64,
// armhf, ppc64el, loong64). Case-sensitive for SCMP_ names, otherwise lower case.
std::optional<Arch> parse_arch(std::string_view text);
// Whether a runtime's libseccomp takes this name in a profile's architectures: the
// scmp_arch_name of every arch above, plus the libseccomp arches syscribe has no tables for
// (SCMP_ARCH_MIPS64, SCMP_ARCH_PPC, ...). Our names and aliases ("x86_64", "amd64") are not:
// runc and crun refuse them.
bool is_scmp_arch_name(std::string_view name);
// The AUDIT_ARCH_* value the kernel reports (x32 shares AUDIT_ARCH_X86_64).
uint32_t audit_arch(Arch arch);
// Arch of a syscall as PTRACE_GET_SYSCALL_INFO or an audit record reports it:
// AUDIT_ARCH_X86_64 with the x32 bit (0x40000000) set in the number is x32.
std::optional<Arch> arch_from_audit(uint32_t audit_arch_value, uint64_t nr);
// The arch this binary was built for.
Arch host_arch();
// The native arch of a compat one (i386, x32 -> x86_64; arm -> aarch64); itself otherwise.
Arch native_of(Arch arch);
// s390x is the only big-endian arch syscribe knows; libseccomp (and so runc) refuses to put
// arches of different byte order in one filter.
bool big_endian(Arch arch);
// systemd's name for SystemCallArchitectures= ("x86-64", "arm64", "ppc64-le", ...).
std::string_view systemd_arch_name(Arch arch);
// libseccomp's name for seccomp_arch_resolve_name() ("x86" for i386; our name otherwise).
std::string_view libseccomp_arch_name(Arch arch);
// The compat arches a kernel of `native` also accepts (x86_64: i386, x32; aarch64: arm).
std::span<const Arch> compat_arches(Arch native);
// x32 syscall numbers carry this bit (as in the kernel headers and in numbers.csv).
inline constexpr uint64_t kX32SyscallBit = 0x40000000;

enum class Risk : uint8_t { low, medium, high, critical };
std::string_view risk_name(Risk risk);
std::optional<Risk> parse_risk(std::string_view text);

// How an argument is passed and what it means.
enum class ArgKind : uint8_t {
  fd,       // file descriptor (int)
  path,     // const char* path name
  str,      // other const char* string
  int32,    // int
  uint32,   // unsigned int
  int64,    // long
  uint64,   // unsigned long / size_t / off_t
  ptr,      // pointer to a struct or buffer
  pid,      // pid_t
  uid,      // uid_t / gid_t
  mode,     // mode_t
  flags,    // bit set, names from xlat set
  enumval,  // one value of a set, names from xlat set
};
// Whether the argument lives in a 32-bit C type (int, unsigned, pid_t, ...): seccomp
// compares all six arguments as 64-bit values, and the upper half may hold garbage.
bool is_32bit(ArgKind kind, bool declared_32bit);
// Whether the argument is a C string (a path or other text): recorded as text, never
// compared by seccomp, which sees only the pointer. Every other kind is a number.
bool is_string_kind(ArgKind kind);

// What the recorder and the generator do with an argument.
enum class ArgUse : uint8_t {
  none,    // not recorded
  record,  // values recorded as evidence (e.g. execve path), never filtered
  eq,      // recorded; the profile allows only the values observed
  mask,    // recorded; the profile allows only the observed values of (arg & mask)
};

// Where an argument sits on an arch that orders the raw call differently (s390x's clone
// takes flags second).
struct ArgPlace {
  Arch arch;
  uint8_t index;
};

struct ArgInfo {
  std::string_view name;  // "flags"
  ArgKind kind;
  bool is32;              // declared in a 32-bit C type
  std::string_view xlat;  // name of the value-name set ("clone_flags"), or empty
  ArgUse use;
  uint64_t mask;          // for ArgUse::mask
  // Values (eq) or bits (mask) that make a call high risk whatever the syscall's own risk:
  // clone's namespace flags. A profile allowing them needs a review decision.
  std::span<const uint64_t> danger;
  // Values (eq) always allowed when the syscall is: fcntl's F_GETFD, F_SETFL, ...
  std::span<const uint64_t> benign;
  // Arches where the raw call passes it at another index (info.tsv's !at=): a profile's
  // compare on its usual index does not hold there.
  std::span<const ArgPlace> moved;
  // Whether `v` (masked as the filter compares it) is one the tables mark dangerous.
  bool is_dangerous(uint64_t v) const;
};

inline constexpr int32_t kAbsent = -1;

struct SyscallInfo {
  std::string_view name;
  std::array<int32_t, kArchCount> nr;  // kAbsent where the arch lacks it
  std::string_view category;           // file, network, process, memory, signal, ipc, time, privileged, ...
  Risk risk;
  std::string_view reason;             // one line: why this risk
  std::span<const ArgInfo> args;       // in call order
  std::span<const std::string_view> equivalents;  // used where the arch lacks this syscall
  // What every generated profile does with it whatever the evidence (info.tsv's policy column):
  bool essential;             // always allowed: no process lives without it
  int32_t stub_errno;         // 0, or the errno it gets unless a review accepts it (clone3: ENOSYS)
  std::string_view fallback;  // what the caller does after stub_errno (clone3: clone)

  bool exists_on(Arch arch) const { return nr[static_cast<size_t>(arch)] != kAbsent; }
  int32_t number(Arch arch) const { return nr[static_cast<size_t>(arch)]; }
  // The argument by name, or nullptr.
  const ArgInfo* arg(std::string_view arg_name) const;
  // Index of an argument, or -1.
  int arg_index(std::string_view arg_name) const;
  // True when at least one argument is recorded (use != none).
  bool has_recorded_args() const;
};

// All syscalls, sorted by name.
std::span<const SyscallInfo> all_syscalls();
// By name; nullptr when unknown.
const SyscallInfo* find(std::string_view name);
// By number on an arch; nullptr when that arch has no such number.
// For x32 the number may be given with or without kX32SyscallBit.
const SyscallInfo* find(Arch arch, int64_t nr);

// Value names of a set (xlat/NAME.tsv). Flag sets decode bit by bit, leftovers in hex:
// "CLONE_VM|CLONE_FS|0x400000". Enum sets give the name or the number in hex.
std::string decode_value(std::string_view xlat, ArgKind kind, uint64_t value);
// A set whose names depend on another argument is written "SET/ARG=VALUE" in info.tsv
// ("socket_options/level=SOL_SOCKET"): its names are SET's when ARG is VALUE and those of
// SET_value (socket_options_sol_tcp) when ARG is another value. Returns ARG, or empty.
std::string_view xlat_context_arg(std::string_view xlat);
// decode_value knowing the values seen of the argument the set depends on (`context`; empty:
// unknown, SET's names). Several values: each one's name, " or " between.
std::string decode_value(const SyscallInfo& s, const ArgInfo& a, uint64_t value, std::span<const uint64_t> context);
// One name of a set back to its value; nullopt if the set has no such name.
std::optional<uint64_t> value_of(std::string_view xlat, std::string_view name);
// "A|B|0x10" or a plain number (decimal or 0x hex) to a value; nullopt on any unknown part.
std::optional<uint64_t> parse_value(std::string_view xlat, std::string_view text);

// Name of an errno value ("ENOENT"), or the number as text.
std::string errno_name(int err);
// errno value of "ENOENT"/"enoent" or a number; nullopt when unknown.
std::optional<int> parse_errno(std::string_view text);

}  // namespace syscribe::sys
