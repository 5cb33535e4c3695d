// What one syscall stop tells the tracer, read with one PTRACE_GET_SYSCALL_INFO.
// Everything that depends on the CPU architecture of the tracee (which arch a
// syscall belongs to, how wide its arguments are) is decided here and nowhere else.
#pragma once

#include <array>
#include <cstdint>
#include <sys/types.h>

#include "syscalls-tables/syscalls.h"

namespace syscribe::tracer {

enum class StopOp : uint8_t { none, entry, exit, seccomp };

struct SyscallStop {
  StopOp op = StopOp::none;
  sys::Arch arch = sys::Arch::x86_64;
  bool arch_known = false;       // false: an AUDIT_ARCH the table does not know
  uint64_t nr = 0;               // as the kernel reports it (x32 keeps its bit)
  std::array<uint64_t, 6> args{};
  int64_t rval = 0;              // exit stops
  bool is_error = false;         // exit stops
};

// Reads the stop of `tid` (which must be in a syscall or seccomp stop).
// Returns false when the tracee vanished (ESRCH) or the kernel has nothing to say.
bool read_syscall_stop(pid_t tid, SyscallStop& out);

// Argument value as seccomp would compare it: 32-bit C types and every argument of
// a 32-bit arch are cut to their low half (the high half may hold garbage).
uint64_t arg_value(const SyscallStop& s, uint64_t raw, bool is32);

// Copies a NUL-terminated string of the tracee at `addr` (at most `max` bytes).
// Returns false if the memory cannot be read.
bool read_tracee_string(pid_t tid, uint64_t addr, std::string& out, size_t max = 4096);

}  // namespace syscribe::tracer
