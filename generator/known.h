// Incremental recording (`syscribe record --known FILE`): which syscalls an earlier
// recording or a profile already covers, and the recording filter that lets those run
// without a stop while everything else still stops in the tracer.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

// The syscalls FILE already covers: from evidence, every syscall observed (and those an
// incremental recording in it already knew); from a profile (any dialect read_profile
// takes), every syscall an unconditional SCMP_ACT_ALLOW rule names. Only syscalls whose
// arguments the recorder does not record are kept: a call whose argument values decide the
// profile (clone flags, socket family, mmap prot, ...) or are recorded (execve's path) must
// still stop, or new values would go unseen. Throws Error naming the file.
std::set<std::string> known_syscalls(const std::string& file);

// A raw struct sock_filter array (libseccomp's BPF export) for `arches`: SECCOMP_RET_ALLOW
// for the known syscalls, SECCOMP_RET_TRACE for every other call, on every arch.
std::vector<uint8_t> known_filter(const std::set<std::string>& known, const std::vector<sys::Arch>& arches);

}  // namespace syscribe::gen
