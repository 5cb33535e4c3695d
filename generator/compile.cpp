#include "generator/compile.h"

#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>
#include <seccomp.h>

#include "core/error.h"

namespace syscribe::gen {

void FilterDeleter::operator()(void* ctx) const {
  if (ctx) seccomp_release(static_cast<scmp_filter_ctx>(ctx));
}

uint32_t scmp_arch_token(sys::Arch a) {
  std::string name(sys::libseccomp_arch_name(a));
  return seccomp_arch_resolve_name(name.c_str());
}

namespace {

scmp_compare op_of(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  return SCMP_CMP_MASKED_EQ;  // read_profile accepts only known ops
}

std::string rule_label(size_t i, const Rule& r, const std::string& name) {
  if (!name.empty()) return fmt::format("rule {} ({})", i, name);
  return fmt::format("rule {} ({})", i, r.names.empty() ? std::string("no names") : r.names.front());
}

// One filter for one arch; seccomp_merge() joins them (attributes are equal by construction).
FilterPtr compile_one(const Profile& p, sys::Arch arch, const CompileOptions& opts, const std::string& file,
                      uint32_t def, std::vector<std::string>& skipped) {
  FilterPtr ctx(seccomp_init(def));
  if (!ctx) throw Error(fmt::format("{}: libseccomp cannot create a filter with default action {}", file, action_name(p.default_action)));
  auto* c = static_cast<scmp_filter_ctx>(ctx.get());
  uint32_t token = scmp_arch_token(arch);
  if (token == 0)
    throw Error(fmt::format("{}: this libseccomp ({}.{}.{}) does not know {}", file, seccomp_version()->major,
                            seccomp_version()->minor, seccomp_version()->micro, sys::scmp_arch_name(arch)));
  if (token != seccomp_arch_native()) {
    // Native out first: libseccomp refuses to mix byte orders in one filter (s390x on x86_64).
    int rc = seccomp_arch_remove(c, SCMP_ARCH_NATIVE);
    if (rc == 0) rc = seccomp_arch_add(c, token);
    if (rc != 0) throw Error(fmt::format("{}: libseccomp cannot add {}: {}", file, sys::scmp_arch_name(arch), strerror(-rc)));
  }
  if (opts.binary_tree) {
    int rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc != 0) throw Error(fmt::format("{}: libseccomp cannot build a binary tree: {}", file, strerror(-rc)));
  }
  for (const auto& f : p.flags) {
    int rc = 0;
    if (f == "SECCOMP_FILTER_FLAG_TSYNC") rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_TSYNC, 1);
    else if (f == "SECCOMP_FILTER_FLAG_LOG") rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_LOG, 1);
    else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_SSB, 1);
    if (rc != 0) throw Error(fmt::format("{}: libseccomp rejects flag {}: {}", file, f, strerror(-rc)));
  }
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    const Rule& r = p.syscalls[i];
    if (!rule_applies(r, opts.host, opts.caps)) continue;
    uint32_t act = action_value(r.action, r.errno_ret);
    if (act == def) {
      skipped.push_back(fmt::format("{}: action equals the default, skipped", rule_label(i, r, "")));
      continue;
    }
    std::vector<scmp_arg_cmp> conds;
    bool repeated = false;
    unsigned seen = 0;
    for (const auto& a : r.args) {
      if (seen & (1u << a.index)) repeated = true;
      seen |= 1u << a.index;
      conds.push_back({a.index, op_of(a.op), a.value, a.value_two});
    }
    for (const auto& name : r.names) {
      const sys::SyscallInfo* s = sys::find(name);
      if (!s) {
        if (opts.strict) throw Error(fmt::format("{}: {}: unknown syscall \"{}\"", file, rule_label(i, r, name), name));
        if (arch == opts.host || arch == sys::native_of(opts.host))
          skipped.push_back(fmt::format("{}: unknown syscall \"{}\", ignored", rule_label(i, r, name), name));
        continue;
      }
      if (!s->exists_on(arch)) continue;
      // Rules name syscalls by their native number (or libseccomp's pseudo number for
      // names the host lacks) and libseccomp translates to each arch, as runc does.
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        if (token != seccomp_arch_native()) {
          skipped.push_back(fmt::format("{}: this libseccomp does not know {}; not compiled for {}",
                                        rule_label(i, r, name), name, sys::arch_name(arch)));
          continue;
        }
        nr = s->number(arch);  // newer than libseccomp: our table's number on the host
      }
      auto add = [&](unsigned n, const scmp_arg_cmp* arr) {
        int rc = seccomp_rule_add_array(c, act, nr, n, arr);
        if (rc != 0)
          throw Error(fmt::format("{}: {}: libseccomp rejects the rule on {}: {}", file, rule_label(i, r, name),
                                  sys::arch_name(arch), strerror(-rc)));
      };
      if (repeated) {
        for (const auto& cond : conds) add(1, &cond);
      } else {
        add(static_cast<unsigned>(conds.size()), conds.data());
      }
    }
  }
  return ctx;
}

}  // namespace

namespace {

uint32_t checked_default(const Profile& p, const std::string& file) {
  uint32_t def = action_value(p.default_action, p.default_errno_ret);
  if (def == SCMP_ACT_ALLOW && p.syscalls.empty())
    throw Error(fmt::format("{}: default action SCMP_ACT_ALLOW with no rules filters nothing", file));
  return def;
}

}  // namespace

Compiled compile_per_arch(std::span<const ArchProfile> parts, const CompileOptions& opts, const std::string& file) {
  Compiled out;
  for (const auto& [a, p] : parts) {
    FilterPtr one = compile_one(*p, a, opts, file, checked_default(*p, file), out.skipped);
    if (!out.ctx) {
      out.ctx = std::move(one);
      continue;
    }
    int rc = seccomp_merge(static_cast<scmp_filter_ctx>(out.ctx.get()), static_cast<scmp_filter_ctx>(one.get()));
    if (rc != 0)
      throw Error(fmt::format("{}: libseccomp cannot merge the {} filter: {}", file, sys::arch_name(a), strerror(-rc)));
    (void)one.release();  // seccomp_merge freed it
  }
  if (!out.ctx) throw Error(fmt::format("{}: no architecture to compile for", file));
  return out;
}

Compiled compile_profile(const Profile& p, std::span<const sys::Arch> arches, const CompileOptions& opts,
                         const std::string& file) {
  checked_default(p, file);
  std::vector<ArchProfile> parts;
  for (sys::Arch a : arches) parts.push_back({a, &p});
  return compile_per_arch(parts, opts, file);
}

namespace {

// libseccomp exports to a file descriptor; a memfd keeps it in memory.
std::string export_with(void* ctx, int (*fn)(const scmp_filter_ctx, int), const char* what) {
  int fd = memfd_create("syscribe-export", MFD_CLOEXEC);
  if (fd < 0) throw system_error("memfd_create", errno);
  int rc = fn(static_cast<scmp_filter_ctx>(ctx), fd);
  if (rc != 0) {
    close(fd);
    throw Error(fmt::format("libseccomp cannot export the filter as {}: {}", what, strerror(-rc)));
  }
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = errno;
  close(fd);
  if (n < 0) throw system_error("reading the exported filter", err);
  return out;
}

}  // namespace

std::vector<uint8_t> export_bpf(void* ctx) {
  std::string s = export_with(ctx, seccomp_export_bpf, "BPF");
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string export_pfc(void* ctx) { return export_with(ctx, seccomp_export_pfc, "PFC"); }

namespace {
// Multi-byte values in the filter's byte order (libseccomp exports big-endian arches' filters
// big-endian; the kernel of such a host lays out seccomp_data the same way).
uint32_t load32(const uint8_t* p, bool be) {
  return be ? (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3])
            : (uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]);
}
void store(uint8_t* p, uint64_t v, size_t n, bool be) {
  for (size_t i = 0; i < n; ++i) p[be ? n - 1 - i : i] = static_cast<uint8_t>(v >> (8 * i));
}
}  // namespace

uint32_t run_bpf(std::span<const uint8_t> bytes, uint32_t audit_arch, int32_t nr, const std::array<uint64_t, 6>& args,
                 bool big_endian) {
  if (bytes.size() % sizeof(sock_filter) != 0 || bytes.empty()) throw Error("malformed BPF program");
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  for (size_t i = 0; i < prog.size(); ++i) {
    const uint8_t* b = bytes.data() + i * 8;
    prog[i].code = static_cast<uint16_t>(big_endian ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0]));
    prog[i].jt = b[2];
    prog[i].jf = b[3];
    prog[i].k = load32(b + 4, big_endian);
  }
  // struct seccomp_data: nr, arch, instruction_pointer, args[6].
  uint8_t data[64] = {};
  store(data, static_cast<uint32_t>(nr), 4, big_endian);
  store(data + 4, audit_arch, 4, big_endian);
  for (size_t i = 0; i < 6; ++i) store(data + 16 + 8 * i, args[i], 8, big_endian);
  uint32_t A = 0, X = 0, mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& in = prog[pc];
    uint32_t k = in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            if (BPF_SIZE(in.code) != BPF_W || k % 4 != 0 || k + 4 > sizeof data)
              throw Error(fmt::format("BPF: bad load at {}", pc));
            A = load32(data + k, big_endian);
            break;
          case BPF_IMM: A = k; break;
          case BPF_MEM: A = mem[k % BPF_MEMWORDS]; break;
          case BPF_LEN: A = sizeof data; break;
          default: throw Error(fmt::format("BPF: unsupported load mode at {}", pc));
        }
        break;
      case BPF_LDX:
        if (BPF_MODE(in.code) == BPF_IMM) X = k;
        else if (BPF_MODE(in.code) == BPF_MEM) X = mem[k % BPF_MEMWORDS];
        else if (BPF_MODE(in.code) == BPF_LEN) X = sizeof data;
        else throw Error(fmt::format("BPF: unsupported ldx at {}", pc));
        break;
      case BPF_ST: mem[k % BPF_MEMWORDS] = A; break;
      case BPF_STX: mem[k % BPF_MEMWORDS] = X; break;
      case BPF_ALU: {
        uint32_t v = BPF_SRC(in.code) == BPF_X ? X : k;
        switch (BPF_OP(in.code)) {
          case BPF_ADD: A += v; break;
          case BPF_SUB: A -= v; break;
          case BPF_MUL: A *= v; break;
          case BPF_DIV: A = v ? A / v : 0; break;
          case BPF_MOD: A = v ? A % v : 0; break;
          case BPF_AND: A &= v; break;
          case BPF_OR: A |= v; break;
          case BPF_XOR: A ^= v; break;
          case BPF_LSH: A <<= (v & 31); break;
          case BPF_RSH: A >>= (v & 31); break;
          case BPF_NEG: A = -A; break;
          default: throw Error(fmt::format("BPF: unsupported alu op at {}", pc));
        }
        break;
      }
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          pc += k;
          break;
        }
        uint32_t v = BPF_SRC(in.code) == BPF_X ? X : k;
        bool taken = false;
        switch (BPF_OP(in.code)) {
          case BPF_JEQ: taken = A == v; break;
          case BPF_JGT: taken = A > v; break;
          case BPF_JGE: taken = A >= v; break;
          case BPF_JSET: taken = (A & v) != 0; break;
          default: throw Error(fmt::format("BPF: unsupported jump at {}", pc));
        }
        pc += taken ? in.jt : in.jf;
        break;
      }
      case BPF_RET: return BPF_RVAL(in.code) == BPF_A ? A : k;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) X = A;
        else A = X;
        break;
      default: throw Error(fmt::format("BPF: unsupported instruction at {}", pc));
    }
  }
  throw Error("BPF: program ran off its end");
}

Evaluator::Evaluator(const Profile& p, const CompileOptions& opts, const std::string& file) {
  for (sys::Arch a : effective_arches(p, opts.host)) {
    if (sys::big_endian(a) == sys::big_endian(opts.host))
      arches_.push_back(a);
    else  // runc would fail to add it; evaluate what can be evaluated and say so
      skipped_.push_back(fmt::format("{}: byte order differs from the host {}: left out of the filter",
                                     sys::arch_name(a), sys::arch_name(opts.host)));
  }
  Compiled c = compile_profile(p, arches_, opts, file);
  skipped_.insert(skipped_.end(), c.skipped.begin(), c.skipped.end());
  prog_ = export_bpf(c.ctx.get());
}

uint32_t Evaluator::evaluate(sys::Arch arch, int64_t nr, const std::array<uint64_t, 6>& args) const {
  if (arch == sys::Arch::x32) nr |= static_cast<int64_t>(sys::kX32SyscallBit);
  return run_bpf(prog_, sys::audit_arch(arch), static_cast<int32_t>(nr), args, sys::big_endian(arch));
}

std::optional<uint32_t> Evaluator::evaluate(sys::Arch arch, std::string_view name,
                                            const std::array<uint64_t, 6>& args) const {
  const sys::SyscallInfo* s = sys::find(name);
  if (!s || !s->exists_on(arch)) return std::nullopt;
  return evaluate(arch, s->number(arch), args);
}

}  // namespace syscribe::gen
