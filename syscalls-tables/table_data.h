// Declarations of the arrays gen_table.py generates; used only by syscalls.cpp.
#pragma once

#include "syscalls-tables/syscalls.h"

namespace syscribe::sys::data {

struct XlatEntry {
  std::string_view name;
  uint64_t value;
};
struct XlatSet {
  std::string_view name;
  std::span<const XlatEntry> entries;
};

extern const SyscallInfo kSyscalls[];  // sorted by name
extern const size_t kSyscallCount;
extern const XlatSet kXlats[];
extern const size_t kXlatCount;

}  // namespace syscribe::sys::data
