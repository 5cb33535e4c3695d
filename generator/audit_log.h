// Kernel audit records of seccomp events (type=1326 / SECCOMP), as they appear in
// dmesg, /var/log/audit/audit.log (raw or ENRICHED), `ausearch -i`, journal text and
// syslog. A pure parser: text in, decoded events out; no file or kernel access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evidence/evidence.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::audit {

// One seccomp event. The syscall is decoded with the record's own arch: an i386
// record from a 64-bit host names the i386 syscall, never the host's.
struct SeccompEvent {
  std::string file;  // where the record was read, for messages
  size_t line = 0;
  std::optional<double> time;  // audit(SECONDS.MILLIS:SERIAL), when the record has it
  uint64_t serial = 0;
  int64_t pid = -1;
  std::string uid, gid, auid, ses;  // as written ("0", "4294967295", or "root", "unset")
  std::string comm, exe;            // hex-encoded values already decoded
  int sig = 0;
  uint32_t audit_arch = 0;  // AUDIT_ARCH_* (0 when the record gave a name, see arch)
  sys::Arch arch{};
  int64_t nr = -1;                            // the number as the record gave it
  const sys::SyscallInfo* syscall = nullptr;  // nullptr: number unknown on this arch
  bool compat = false;
  uint64_t ip = 0;
  uint32_t code = 0;  // SECCOMP_RET_* action; the kernel logs it without its data (errno)
  // action_text(code), except for `ausearch -i` text: its "kill" stands for both kill
  // actions (auparse masks off the KILL_PROCESS bit), named here "SCMP_ACT_KILL".
  std::string action;

  // "getppid", or "#<nr>" for a number the table does not know (as evidence names it).
  std::string syscall_name() const;
};

// The action part of `code` (SECCOMP_RET_ACTION_FULL).
uint32_t action_of(uint32_t code);
// "SCMP_ACT_LOG", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_ERRNO(EPERM)", "SCMP_ACT_TRACE(7)", ...
// Unknown actions come back as hex.
std::string action_text(uint32_t code);
// The errno an ERRNO action returns, or nullopt for other actions.
std::optional<int> errno_of(uint32_t code);

// What a line held.
enum class LineKind {
  seccomp,     // a seccomp record: an event was returned
  audit,       // another audit record (SYSCALL, PROCTITLE, ...), skipped
  not_audit,   // not an audit record at all, skipped
};

struct ParsedLine {
  LineKind kind = LineKind::not_audit;
  std::optional<SeccompEvent> event;  // set for LineKind::seccomp
};

// Parses one line of `file` (line numbers count from 1). A seccomp record with a
// missing or malformed field or an unknown arch throws Error "FILE:LINE: message".
ParsedLine parse_line(std::string_view line, const std::string& file, size_t lineno);

// What a whole text held.
struct ParsedLog {
  std::vector<SeccompEvent> events;
  size_t other_audit = 0;  // audit records of other types
  size_t not_audit = 0;    // lines that are no audit record
  size_t first_not_audit = 0;  // line number of the first such line, 0 if none
  bool suppressed = false;     // the kernel said records were lost or rate-limited
};

// Parses every line of `text`; throws like parse_line on the first bad seccomp record.
ParsedLog parse_log(std::string_view text, const std::string& file);

// The events as evidence: phase "audit", each (exe, comm) a process with one instance
// per distinct pid, times relative to the earliest record. `sources` (the files read)
// become the recording's command ("audit log FILE").
ev::Evidence to_evidence(const std::vector<SeccompEvent>& events, const std::vector<std::string>& sources);

}  // namespace syscribe::audit
