#include "syscalls-tables/syscalls.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <linux/audit.h>
#include <unordered_map>

#include <fmt/format.h>

#include "syscalls-tables/table_data.h"

namespace syscribe::sys {

namespace {

struct ArchFacts {
  std::string_view name;
  std::string_view scmp;
  uint32_t audit;
  std::string_view go;          // Go's GOARCH, as Docker's includes.arches names the host
  Arch native;                  // the arch whose kernel runs it (itself, or a compat arch's host)
  bool big_endian;
  bool ilp32;                   // int, long and pointers are 32 bits wide
  std::string_view systemd;     // SystemCallArchitectures= spelling
  std::string_view libseccomp;  // seccomp_arch_resolve_name() spelling
};

// Indexed by Arch.
constexpr ArchFacts kArchFacts[kArchCount] = {
    {"x86_64", "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, "amd64", Arch::x86_64, false, false, "x86-64", "x86_64"},
    {"i386", "SCMP_ARCH_X86", AUDIT_ARCH_I386, "386", Arch::x86_64, false, true, "x86", "x86"},
    {"x32", "SCMP_ARCH_X32", AUDIT_ARCH_X86_64, "amd64", Arch::x86_64, false, true, "x32", "x32"},
    {"aarch64", "SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64, "arm64", Arch::aarch64, false, false, "arm64", "aarch64"},
    {"arm", "SCMP_ARCH_ARM", AUDIT_ARCH_ARM, "arm", Arch::aarch64, false, true, "arm", "arm"},
    {"riscv64", "SCMP_ARCH_RISCV64", AUDIT_ARCH_RISCV64, "riscv64", Arch::riscv64, false, false, "riscv64", "riscv64"},
    {"s390x", "SCMP_ARCH_S390X", AUDIT_ARCH_S390X, "s390x", Arch::s390x, true, false, "s390x", "s390x"},
    {"ppc64le", "SCMP_ARCH_PPC64LE", AUDIT_ARCH_PPC64LE, "ppc64le", Arch::ppc64le, false, false, "ppc64-le", "ppc64le"},
    {"loongarch64", "SCMP_ARCH_LOONGARCH64", 0xC0000102u /* AUDIT_ARCH_LOONGARCH64 */, "loong64", Arch::loongarch64,
     false, false, "loongarch64", "loongarch64"},
};

struct Alias {
  std::string_view alias;
  Arch arch;
};
constexpr Alias kAliases[] = {
    {"amd64", Arch::x86_64}, {"x86", Arch::i386},        {"i686", Arch::i386},
    {"arm64", Arch::aarch64}, {"armhf", Arch::arm},      {"armel", Arch::arm},
    {"ppc64el", Arch::ppc64le}, {"loong64", Arch::loongarch64}, {"386", Arch::i386},
};

const data::XlatSet* find_xlat(std::string_view name) {
  name = name.substr(0, name.find('/'));  // "socket_options/level=SOL_SOCKET": the set for that level
  for (size_t i = 0; i < data::kXlatCount; ++i)
    if (data::kXlats[i].name == name) return &data::kXlats[i];
  return nullptr;
}

// Per-arch number -> syscall index, built once.
struct NumberIndex {
  std::array<std::unordered_map<int64_t, const SyscallInfo*>, kArchCount> by_arch;
  NumberIndex() {
    for (size_t i = 0; i < data::kSyscallCount; ++i) {
      const SyscallInfo& s = data::kSyscalls[i];
      for (size_t a = 0; a < kArchCount; ++a)
        if (s.nr[a] != kAbsent) by_arch[a].emplace(s.nr[a], &s);
    }
  }
};

const NumberIndex& number_index() {
  static const NumberIndex index;
  return index;
}


}  // namespace

bool ArgInfo::is_dangerous(uint64_t v) const {
  if (use == ArgUse::mask) {
    uint64_t bits = 0;
    for (uint64_t d : danger) bits |= d;
    return (v & bits) != 0;
  }
  return std::find(danger.begin(), danger.end(), v) != danger.end();
}

std::string_view arch_name(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].name; }
std::string_view scmp_arch_name(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].scmp; }
std::string_view go_arch_name(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].go; }

uint64_t arg_mask(Arch arch, bool is32) {
  return is32 || kArchFacts[static_cast<size_t>(arch)].ilp32 ? 0xffffffffull : ~0ull;
}
uint32_t audit_arch(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].audit; }
Arch native_of(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].native; }
bool big_endian(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].big_endian; }
std::string_view systemd_arch_name(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].systemd; }
std::string_view libseccomp_arch_name(Arch arch) { return kArchFacts[static_cast<size_t>(arch)].libseccomp; }

std::optional<Arch> parse_arch(std::string_view text) {
  for (Arch a : kAllArches)
    if (text == arch_name(a) || text == scmp_arch_name(a)) return a;
  for (const Alias& al : kAliases)
    if (text == al.alias) return al.arch;
  return std::nullopt;
}

bool is_scmp_arch_name(std::string_view name) {
  // libseccomp's arch names (the OCI runtime-spec lists the same) beyond the arches above.
  static constexpr std::string_view kOtherScmpArches[] = {
      "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
      "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",    "SCMP_ARCH_PPC64",
      "SCMP_ARCH_S390",     "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",  "SCMP_ARCH_M68K",
      "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
  };
  for (Arch a : kAllArches)
    if (name == scmp_arch_name(a)) return true;
  for (std::string_view n : kOtherScmpArches)
    if (name == n) return true;
  return false;
}

std::optional<Arch> arch_from_audit(uint32_t value, uint64_t nr) {
  if (value == AUDIT_ARCH_X86_64) return (nr & kX32SyscallBit) ? Arch::x32 : Arch::x86_64;
  for (Arch a : kAllArches)
    if (a != Arch::x32 && audit_arch(a) == value) return a;
  return std::nullopt;
}

Arch host_arch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return Arch::x32;
#elif defined(__x86_64__)
  return Arch::x86_64;
#elif defined(__i386__)
  return Arch::i386;
#elif defined(__aarch64__)
  return Arch::aarch64;
#elif defined(__arm__)
  return Arch::arm;
#elif defined(__riscv) && __riscv_xlen == 64
  return Arch::riscv64;
#elif defined(__s390x__)
  return Arch::s390x;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return Arch::ppc64le;
#elif defined(__loongarch64)
  return Arch::loongarch64;
#else
#error "syscribe does not know this architecture"
#endif
}

std::span<const Arch> compat_arches(Arch native) {
  // Per arch, the others whose native it is, in table order.
  static const auto kCompat = [] {
    std::array<std::vector<Arch>, kArchCount> out;
    for (Arch a : kAllArches)
      if (native_of(a) != a) out[static_cast<size_t>(native_of(a))].push_back(a);
    return out;
  }();
  return kCompat[static_cast<size_t>(native)];
}

std::string_view risk_name(Risk risk) {
  switch (risk) {
    case Risk::low: return "low";
    case Risk::medium: return "medium";
    case Risk::high: return "high";
    case Risk::critical: return "critical";
  }
  return "?";
}

std::optional<Risk> parse_risk(std::string_view text) {
  for (Risk r : {Risk::low, Risk::medium, Risk::high, Risk::critical})
    if (text == risk_name(r)) return r;
  return std::nullopt;
}

bool is_32bit(ArgKind, bool declared_32bit) { return declared_32bit; }

bool is_string_kind(ArgKind kind) { return kind == ArgKind::path || kind == ArgKind::str; }

const ArgInfo* SyscallInfo::arg(std::string_view arg_name) const {
  for (const ArgInfo& a : args)
    if (a.name == arg_name) return &a;
  return nullptr;
}

int SyscallInfo::arg_index(std::string_view arg_name) const {
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].name == arg_name) return static_cast<int>(i);
  return -1;
}

bool SyscallInfo::has_recorded_args() const {
  return std::any_of(args.begin(), args.end(), [](const ArgInfo& a) { return a.use != ArgUse::none; });
}

std::span<const SyscallInfo> all_syscalls() { return {data::kSyscalls, data::kSyscallCount}; }

const SyscallInfo* find(std::string_view name) {
  auto all = all_syscalls();
  auto it = std::lower_bound(all.begin(), all.end(), name,
                             [](const SyscallInfo& s, std::string_view n) { return s.name < n; });
  return (it != all.end() && it->name == name) ? &*it : nullptr;
}

const SyscallInfo* find(Arch arch, int64_t nr) {
  if (arch == Arch::x32) nr |= static_cast<int64_t>(kX32SyscallBit);
  const auto& m = number_index().by_arch[static_cast<size_t>(arch)];
  auto it = m.find(nr);
  return it == m.end() ? nullptr : it->second;
}

std::string decode_value(std::string_view xlat, ArgKind kind, uint64_t value) {
  const data::XlatSet* set = xlat.empty() ? nullptr : find_xlat(xlat);
  if (!set) return fmt::format("{:#x}", value);
  if (kind == ArgKind::flags) {
    std::string out;
    uint64_t left = value;
    for (const auto& e : set->entries) {
      if (e.value != 0 && (left & e.value) == e.value) {
        if (!out.empty()) out += '|';
        out += e.name;
        left &= ~e.value;
      }
    }
    if (left != 0 || out.empty()) {
      if (value == 0) {
        for (const auto& e : set->entries)
          if (e.value == 0) return std::string(e.name);
      }
      if (!out.empty()) out += '|';
      out += fmt::format("{:#x}", left);
    }
    return out;
  }
  for (const auto& e : set->entries)
    if (e.value == value || (kind == ArgKind::fd && static_cast<int32_t>(e.value) == static_cast<int32_t>(value)))
      return std::string(e.name);
  return fmt::format("{:#x}", value);
}

std::string_view xlat_context_arg(std::string_view xlat) {
  auto slash = xlat.find('/');
  if (slash == std::string_view::npos) return {};
  return xlat.substr(slash + 1, xlat.find('=', slash) == std::string_view::npos ? std::string_view::npos
                                                                                 : xlat.find('=', slash) - slash - 1);
}

std::string decode_value(const SyscallInfo& s, const ArgInfo& a, uint64_t value, std::span<const uint64_t> context) {
  std::string_view by = xlat_context_arg(a.xlat);
  const ArgInfo* ctx = by.empty() ? nullptr : s.arg(by);
  if (!ctx || context.empty()) return decode_value(a.xlat, a.kind, value);
  auto eq = a.xlat.find('=');
  std::string_view base = a.xlat.substr(0, a.xlat.find('/'));
  std::string_view base_ctx = eq == std::string_view::npos ? std::string_view{} : a.xlat.substr(eq + 1);
  std::vector<std::string> names;
  for (uint64_t c : context) {
    std::string cname = decode_value(ctx->xlat, ctx->kind, c);
    std::string set(base);
    if (cname != base_ctx) {
      set += '_';
      for (char ch : cname) set += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    // No names for this context: the number, not another context's name for it.
    std::string n = find_xlat(set) ? decode_value(set, a.kind, value) : fmt::format("{:#x}", value);
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  return fmt::format("{}", fmt::join(names, " or "));
}

std::optional<uint64_t> value_of(std::string_view xlat, std::string_view name) {
  const data::XlatSet* set = find_xlat(xlat);
  if (!set) return std::nullopt;
  for (const auto& e : set->entries)
    if (e.name == name) return e.value;
  // A set that depends on another argument: the name may be one of another context's set.
  if (!xlat_context_arg(xlat).empty()) {
    std::string prefix = std::string(set->name) + "_";
    for (size_t i = 0; i < data::kXlatCount; ++i)
      if (data::kXlats[i].name.substr(0, prefix.size()) == prefix)
        for (const auto& e : data::kXlats[i].entries)
          if (e.name == name) return e.value;
  }
  return std::nullopt;
}

namespace {
std::optional<uint64_t> parse_number(std::string_view t) {
  uint64_t v = 0;
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t.remove_prefix(2);
    base = 16;
  }
  if (t.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<uint64_t> parse_value(std::string_view xlat, std::string_view text) {
  uint64_t total = 0;
  while (true) {
    size_t bar = text.find('|');
    std::string_view part = text.substr(0, bar);
    auto v = parse_number(part);
    if (!v && !xlat.empty()) v = value_of(xlat, part);
    if (!v) return std::nullopt;
    total |= *v;
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  return total;
}

std::string errno_name(int err) {
  // xlat/errnos.tsv; an errno it does not name stays a number.
  if (const data::XlatSet* set = find_xlat("errnos"))
    for (const auto& e : set->entries)
      if (static_cast<int64_t>(e.value) == err) return std::string(e.name);
  return std::to_string(err);
}

std::optional<int> parse_errno(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto v = value_of("errnos", upper)) return static_cast<int>(*v);
  if (auto v = parse_number(text); v && *v < 4096) return static_cast<int>(*v);
  return std::nullopt;
}

}  // namespace syscribe::sys
