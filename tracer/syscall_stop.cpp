#include "tracer/syscall_stop.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/ptrace.h>
#include <sys/uio.h>

namespace syscribe::tracer {

bool read_syscall_stop(pid_t tid, SyscallStop& out) {
  __ptrace_syscall_info info;
  long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info);
  if (n <= 0) return false;
  out.rval = 0;
  out.is_error = false;
  switch (info.op) {
    case PTRACE_SYSCALL_INFO_ENTRY:
      out.op = StopOp::entry;
      out.nr = info.entry.nr;
      std::memcpy(out.args.data(), info.entry.args, sizeof out.args);
      break;
    case PTRACE_SYSCALL_INFO_SECCOMP:
      out.op = StopOp::seccomp;
      out.nr = info.seccomp.nr;
      std::memcpy(out.args.data(), info.seccomp.args, sizeof out.args);
      break;
    case PTRACE_SYSCALL_INFO_EXIT:
      out.op = StopOp::exit;
      out.rval = info.exit.rval;
      out.is_error = info.exit.is_error != 0;
      return true;  // the exit stop carries no number: the caller pairs it with the entry
    default:
      out.op = StopOp::none;
      return true;
  }
  auto arch = sys::arch_from_audit(info.arch, out.nr);
  out.arch_known = arch.has_value();
  if (arch) out.arch = *arch;
  return true;
}

uint64_t arg_value(const SyscallStop& s, uint64_t raw, bool is32) { return raw & sys::arg_mask(s.arch, is32); }

bool read_tracee_string(pid_t tid, uint64_t addr, std::string& out, size_t max) {
  out.clear();
  if (addr == 0) return false;
  char buf[256];
  while (out.size() < max) {
    // Read up to the end of the page so a string near unmapped memory still reads.
    size_t page_left = 4096 - (addr & 4095);
    size_t want = std::min({sizeof buf, page_left, max - out.size()});
    iovec local{buf, want};
    iovec remote{reinterpret_cast<void*>(addr), want};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) return !out.empty();
    const char* end = static_cast<const char*>(std::memchr(buf, 0, static_cast<size_t>(n)));
    if (end) {
      out.append(buf, static_cast<size_t>(end - buf));
      return true;
    }
    out.append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace syscribe::tracer
