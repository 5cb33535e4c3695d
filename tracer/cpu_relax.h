// A spin-wait hint for the loops in which a freshly forked child and its parent hand over
// the seccomp listener through shared memory (no syscalls may be made there).
#pragma once

namespace syscribe::tracer {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace syscribe::tracer
