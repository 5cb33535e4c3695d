#include "tracer/enforce.h"

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <linux/seccomp.h>
#include <mutex>
#include <sys/ptrace.h>

#include <fmt/format.h>

#include "core/host.h"
#include "tracer/lifecycle.h"
#include "tracer/proc_info.h"
#include "tracer/syscall_stop.h"

namespace syscribe::tracer {

namespace {

constexpr size_t kCallsShown = 3;

// One argument as a person reads it: names for flags and enums, strings for paths.
std::string show_arg(const sys::ArgInfo& a, const SyscallStop& stop, uint64_t raw, pid_t pid) {
  uint64_t v = arg_value(stop, raw, a.is32);
  switch (a.kind) {
    case sys::ArgKind::path:
    case sys::ArgKind::str: {
      std::string s;
      if (raw != 0 && read_tracee_string(pid, raw, s, 256)) return fmt::format("\"{}\"", s);
      return fmt::format("{:#x}", raw);
    }
    case sys::ArgKind::flags:
    case sys::ArgKind::enumval:
      return sys::decode_value(a.xlat, a.kind, v);
    case sys::ArgKind::fd:
      if (!a.xlat.empty() && sys::value_of(a.xlat, sys::decode_value(a.xlat, a.kind, v))) {
        return sys::decode_value(a.xlat, a.kind, v);  // AT_FDCWD; other fds as numbers
      }
      [[fallthrough]];
    case sys::ArgKind::int32:
    case sys::ArgKind::pid:
      return std::to_string(static_cast<int32_t>(v));
    case sys::ArgKind::uint32:
    case sys::ArgKind::uid:
      return std::to_string(static_cast<uint32_t>(v));
    case sys::ArgKind::int64:
      return std::to_string(static_cast<int64_t>(v));
    case sys::ArgKind::mode:
      return fmt::format("{:#o}", v);
    default:
      return fmt::format("{:#x}", v);
  }
}

std::string describe_call(const sys::SyscallInfo* info, const SyscallStop& stop, pid_t pid) {
  if (!info) return fmt::format("#{}(...)", stop.nr);
  std::string out = std::string(info->name) + "(";
  for (size_t i = 0; i < info->args.size() && i < 6; ++i) {
    if (i) out += ", ";
    const sys::ArgInfo& a = info->args[i];
    std::string shown = show_arg(a, stop, stop.args[i], pid);
    if (int by = info->arg_index(sys::xlat_context_arg(a.xlat)); by >= 0)  // setsockopt's optname by its level
      shown = sys::decode_value(*info, a, arg_value(stop, stop.args[i], a.is32),
                                std::vector<uint64_t>{arg_value(stop, stop.args[by], info->args[by].is32)});
    out += fmt::format("{}={}", a.name, shown);
  }
  return out + ")";
}

// The answer the kernel would give for `verdict`.
Response response_for(uint32_t verdict) {
  Response resp;
  switch (verdict & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
      resp.kind = Response::Kind::proceed;
      break;
    case SECCOMP_RET_ERRNO:
      resp.kind = Response::Kind::fail;
      resp.error = static_cast<int>(verdict & SECCOMP_RET_DATA);
      break;
    case SECCOMP_RET_TRACE:
    case SECCOMP_RET_USER_NOTIF:
      resp.kind = Response::Kind::fail;  // no tracer or listener of the profile's own
      resp.error = ENOSYS;
      break;
    case SECCOMP_RET_KILL_THREAD:
      resp.kind = Response::Kind::kill_thread;
      break;
    default:  // KILL_PROCESS, TRAP
      resp.kind = Response::Kind::kill_process;
      break;
  }
  return resp;
}

void print_calls(const std::map<DenialKey, DenialStats>& m) {
  for (const auto& [k, d] : m) {
    std::string pids;
    for (pid_t pid : d.pids) pids += fmt::format("{}{}", pids.empty() ? "" : ",", pid);
    std::cerr << fmt::format("  {:<16} x{:<5} {} {} by {} (pid {}) in phase {}\n", k.syscall, d.count, k.arch,
                             k.action, k.exe.empty() ? k.comm : k.exe, pids, k.phase);
    for (const auto& c : d.calls) std::cerr << "      " << c << "\n";
  }
}

// The syscall whose PTRACE_TRACEME request run refuses; always_notified() names it.
constexpr std::string_view kTracemeSyscall = "ptrace";

// `resp` unless it lets PTRACE_TRACEME proceed: then EPERM, what the kernel answers a
// process that is already traced (as it is under `syscribe record`). See always_notified().
Response refuse_traceme(const sys::SyscallInfo* info, const Notification& n, Response resp) {
  if (resp.kind == Response::Kind::proceed && info && std::string_view(info->name) == kTracemeSyscall &&
      n.args[0] == PTRACE_TRACEME) {
    resp.kind = Response::Kind::fail;
    resp.error = EPERM;
  }
  return resp;
}

uint64_t total(const std::map<DenialKey, DenialStats>& m) {
  uint64_t n = 0;
  for (const auto& [k, d] : m) n += d.count;
  return n;
}

}  // namespace

uint64_t EnforceResult::denied() const { return total(denials); }

const std::vector<std::string>& always_notified() {
  static const std::vector<std::string> names{std::string(kTracemeSyscall)};
  return names;
}

struct Enforcer::Impl {
  EnforceOptions opt;
  PhaseClock& clock;
  NotifySupervisor sup;
  Aggregator agg;
  std::mutex mu;
  EnforceResult result;

  Impl(EnforceOptions o, PhaseClock& c)
      : opt(std::move(o)), clock(c), sup(opt.command[0], opt.command, opt.bpf, opt.filter_flags) {}

  Response decide(const Notification& n) {
    uint32_t verdict = SECCOMP_RET_KILL_THREAD;  // libseccomp's action for an arch not in the filter
    SyscallStop stop;
    stop.op = StopOp::seccomp;
    stop.nr = n.nr;
    stop.args = n.args;
    stop.arch_known = n.arch.has_value();
    if (n.arch) {
      stop.arch = *n.arch;
      verdict = opt.verdict(*n.arch, n.nr, n.args);
    }
    uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;
    const sys::SyscallInfo* info = n.arch ? sys::find(*n.arch, static_cast<int64_t>(n.nr)) : nullptr;
    // Whether the caller is the main process costs a /proc read: only for the watched call
    // while a wait is open.
    if (opt.watched && info == opt.watched && opt.watch_armed() && read_task_status(n.pid).tgid == sup.pid())
      opt.on_watched(*n.arch, n.nr);
    Response resp = response_for(verdict);
    if (action == SECCOMP_RET_ALLOW) return refuse_traceme(info, n, resp);
    bool bad_arch = !n.arch || std::find(opt.arches.begin(), opt.arches.end(), *n.arch) == opt.arches.end();
    // The profile's own ENOSYS stub: the caller is meant to fall back. Even --complain
    // answers it as the profile does, and it is no denial.
    bool fallback = !bad_arch && info && action == SECCOMP_RET_ERRNO && (verdict & SECCOMP_RET_DATA) == ENOSYS &&
                    opt.enosys_stubs.count(std::string(info->name));
    if (opt.complain && !fallback) resp.kind = Response::Kind::proceed;

    std::string exe = read_exe(n.pid);
    std::string comm = read_comm(n.pid);
    uint32_t phase_index = clock.current();
    std::string call = describe_call(info, stop, n.pid);
    std::lock_guard<std::mutex> lock(mu);
    DenialKey key{phase_index,
                  exe,
                  comm,
                  clock.name(phase_index),
                  n.arch ? std::string(sys::arch_name(*n.arch)) : fmt::format("audit-arch {:#x}", n.audit_arch),
                  info ? std::string(info->name) : fmt::format("#{}", n.nr),
                  opt.describe_action(verdict) + (bad_arch ? " (arch not in the profile)" : "")};
    auto& d = (fallback ? result.fallbacks : result.denials)[key];
    d.count++;
    d.pids.insert(n.pid);
    if (d.calls.size() < kCallsShown && std::find(d.calls.begin(), d.calls.end(), call) == d.calls.end())
      d.calls.push_back(std::move(call));
    if (n.arch && !fallback) {
      Identity& id = agg.identity(exe, comm);
      if (id.instances == 0) id.instances = 1;
      agg.record(id, phase_index, stop, clock.now(), n.pid);
    }
    return refuse_traceme(info, n, resp);
  }
};

Enforcer::Enforcer(EnforceOptions options, PhaseClock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {
  if (impl_->opt.stdout_fd >= 0 || impl_->opt.stderr_fd >= 0)
    impl_->sup.redirect_output(impl_->opt.stdout_fd, impl_->opt.stderr_fd);
}
Enforcer::~Enforcer() = default;

void Enforcer::start() { impl_->sup.start(); }
pid_t Enforcer::pid() const { return impl_->sup.pid(); }
void Enforcer::signal(int sig) const { impl_->sup.signal(sig); }
void Enforcer::continue_if_stopped() const { impl_->sup.continue_if_stopped(); }

EnforceResult Enforcer::run() {
  SupervisedRun run = impl_->sup.run([this](const Notification& n) { return impl_->decide(n); });
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->result.exit_status = run.exit_status;
  return impl_->result;
}

ev::Evidence Enforcer::evidence(const std::string& started) const {
  ev::Evidence e = impl_->agg.to_evidence(impl_->clock);
  ev::Recording r;
  r.command = impl_->opt.command;
  r.started = started;
  r.duration = impl_->clock.now();
  r.tool_version = SYSCRIBE_VERSION;
  r.mode = impl_->opt.complain ? "notify-complain" : "notify-enforce";
  r.host_kernel = kernel_release();
  r.host_arch = std::string(sys::arch_name(sys::host_arch()));
  r.exit_status = impl_->result.exit_status;
  r.marks = impl_->clock.marks();
  e.recordings.push_back(std::move(r));
  return e;
}

void print_enforce_report(const EnforceResult& r, const std::string& program, bool complain) {
  if (r.denials.empty()) {
    std::cerr << fmt::format("syscribe run: the profile denied nothing{}; {} {}\n",
                             r.fallbacks.empty() ? "" : " (beyond the expected fallbacks below)", program,
                             describe_exit_status(r.exit_status));
  } else {
    std::cerr << fmt::format("syscribe run: {} {} ({} distinct){}:\n", r.denied(),
                             complain ? "calls the profile would deny" : "calls denied", r.denials.size(),
                             complain ? ", allowed by --complain" : "");
    print_calls(r.denials);
  }
  if (!r.fallbacks.empty()) {
    std::cerr << fmt::format("syscribe run: {} expected fallbacks ({} distinct): the profile's own ENOSYS stub, "
                             "which makes the caller fall back (clone3 to clone); not denials:\n",
                             total(r.fallbacks), r.fallbacks.size());
    print_calls(r.fallbacks);
  }
  if (!r.denials.empty() || !r.fallbacks.empty())
    std::cerr << fmt::format("syscribe run: {} {}\n", program, describe_exit_status(r.exit_status));
}

}  // namespace syscribe::tracer
