// Argument filters and their tuples: built from the evidence, carried to an equivalent
// syscall, joined and narrowed. The policy passes (generator/passes/) share these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "generator/policy.h"

namespace syscribe::gen {

// The bits of an argument a filter compares: the table's mask, or 32 bits of a 32-bit
// argument (the upper half may hold garbage), or all 64.
uint64_t filter_mask(const sys::ArgInfo& a);

std::string value_name(const sys::ArgInfo& a, uint64_t v);
// The same, naming the value by the recorded values of the argument its set depends on
// (setsockopt's optname by level).
std::string value_name(const sys::SyscallInfo& s, const sys::ArgInfo& a, uint64_t v, const ev::SyscallStats& st);

// Argument filters for one syscall from the values recorded for it. An argument whose values
// were not recorded gets no filter, with a warning: allowing it unconditionally is the only
// choice that does not break the workload.
std::vector<ArgFilter> filters_from(const sys::SyscallInfo& info, const ev::SyscallStats& st,
                                    std::vector<std::string>& warnings);

// The observed combinations of `filters`' values, from the evidence's tuples, sorted and
// distinct; nullopt when the evidence holds no tuple for some of the calls (it was recorded
// before tuples were kept, or merged with such a recording).
std::optional<std::vector<std::vector<uint64_t>>> tuples_from(const sys::SyscallInfo& info,
                                                              const ev::SyscallStats& st,
                                                              const std::vector<ArgFilter>& filters);

// Every combination of the filters' values: the widening used when no tuples were recorded.
std::vector<std::vector<uint64_t>> cross_product(const std::vector<ArgFilter>& filters);

// Drops filter `k` from an entry: its values leave every tuple, and tuples that become
// equal merge. The filter's argument is then allowed with any value.
void drop_filter(PolicyEntry& e, size_t k);

// With one filter, its values are the tuples.
void single_filter_tuples(PolicyEntry& e);

// The filter an equivalent `q` gets for `src` (fork -> clone, open -> openat): the source's
// filters on arguments of the same name and use, with its tuples carried over; a masked
// argument of `q` the source has no filter on allows only "none of the mask's bits" (fork is
// a clone without namespace flags).
void translated_filter(const PolicyEntry& src, const sys::SyscallInfo& q, std::vector<ArgFilter>& filters,
                       std::vector<std::vector<uint64_t>>& tuples);

// Adds another source's filter to an entry added without evidence (two translations to one
// equivalent): the tuples join when both filter the same arguments; otherwise the entry
// can only be left unfiltered, which is said.
void merge_filter(PolicyEntry& t, const std::vector<ArgFilter>& filters, const std::vector<std::vector<uint64_t>>& tuples,
                  std::vector<std::string>& warnings);

// The filters a syscall gets when it is added without evidence of its arguments (the clone
// fallback): masked arguments allow only "none of the mask's bits"; others stay open.
std::vector<ArgFilter> closed_mask_filters(const sys::SyscallInfo& info);

// The observed values the tables mark dangerous, for people ("flags CLONE_NEWUTS"); empty
// when there are none.
std::string dangerous_values(const sys::SyscallInfo& info, const ev::SyscallStats& st);

}  // namespace syscribe::gen
