// Incremental recording (`syscribe record --known FILE`): what an earlier recording or a
// profile already covers, and the recording filter that lets those calls run without a stop
// while everything else still stops in the tracer (or goes to the notify engine).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "syscalls-tables/syscalls.h"

namespace syscribe::gen {

struct Known {
  // Syscalls allowed whatever their arguments: none of their arguments is recorded.
  std::set<std::string> names;
  // Argument-sensitive syscalls, allowed when the values the recorder would record match a
  // key (ev::known_key): arch name -> syscall -> keys.
  std::map<std::string, std::map<std::string, std::set<std::string>>> tuples;
  // The arches FILE shows calls on (evidence: observed or known there; a profile: its arches),
  // of those the filter is for.
  std::set<std::string> arches;
  size_t tuple_count() const;
};

// What FILE covers on `arches`. From evidence: the syscalls observed whose arguments are not
// recorded, and of the argument-sensitive ones the exact values recorded per arch: the tuples
// of a syscall with two or more recorded arguments, the values of one with a single recorded
// argument; a syscall whose recorded arguments include a string (execve's path), or whose
// evidence holds no tuples (recorded before tuples were kept), gets none, so it keeps
// stopping. An earlier incremental recording's known names and tuples count too. From a
// profile (any dialect read_profile takes): the syscalls of unconditional SCMP_ACT_ALLOW
// rules whose arguments are not recorded, and the SCMP_ACT_ALLOW rules whose conditions are
// SCMP_CMP_EQ or SCMP_CMP_MASKED_EQ on recorded number arguments (a repeated index splits a
// rule, as runc does), cut to the bits the recorder keeps on each arch the profile covers
// (effective_arches on this host). Throws Error naming the file.
Known read_known(const std::string& file, std::span<const sys::Arch> arches);

struct KnownFilter {
  std::vector<uint8_t> bpf;  // raw struct sock_filter array (libseccomp's BPF export)
  Known used;                // what it lets through: the input less the tuples left out
  // Tuple rules left out to stay within the kernel's BPF_MAXINSNS, and of which syscalls
  // ("x86_64 ioctl"): those calls stop, which is safe.
  size_t dropped = 0;
  std::vector<std::string> dropped_syscalls;
};

// The filter for `arches`: SECCOMP_RET_ALLOW for the known names, and for a call whose
// recorded values (each argument cut by sys::arg_mask, as the recorder does) match one of its
// arch's keys; SECCOMP_RET_TRACE for every other call. Each key is one rule whose compares
// AND, as in a generated profile. libseccomp places each arch's syscall numbers, in a binary
// tree (a call passes a few compares, not one per known syscall).
KnownFilter known_filter(const Known& known, std::span<const sys::Arch> arches);

}  // namespace syscribe::gen
