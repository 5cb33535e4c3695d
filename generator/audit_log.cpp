#include "generator/audit_log.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <linux/seccomp.h>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "generator/action.h"

namespace syscribe::audit {

namespace {

using gen::Action;
using gen::action_name;

// Audit record type of seccomp events (AUDIT_SECCOMP in linux/audit.h).
constexpr std::string_view kSeccompType = "1326";

struct ActionName {
  uint32_t action;  // SECCOMP_RET_*
  Action name;  // its profile spelling
  // What `ausearch -i` prints for it.
  std::string_view interpreted;
};
constexpr ActionName kActions[] = {
    {SECCOMP_RET_KILL_PROCESS, Action::kill_process, "kill-process"},
    {SECCOMP_RET_KILL_THREAD, Action::kill_thread, "kill-thread"},
    {SECCOMP_RET_TRAP, Action::trap, "trap"},
    {SECCOMP_RET_ERRNO, Action::error, "errno"},
    {SECCOMP_RET_USER_NOTIF, Action::notify, "user-notif"},
    {SECCOMP_RET_TRACE, Action::trace, "trace"},
    {SECCOMP_RET_LOG, Action::log, "log"},
    {SECCOMP_RET_ALLOW, Action::allow, "allow"},
};

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <typename T>
std::optional<T> to_number(std::string_view s, int base) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// The kernel hex-encodes untrusted strings that hold spaces, quotes or control
// characters (audit_log_untrustedstring); quoted ones are written as they are.
std::string untrusted_string(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
  if (v.empty() || v.size() % 2 != 0 || v == "(null)") return std::string(v);
  std::string out;
  for (size_t i = 0; i < v.size(); i += 2) {
    if (!is_hex_digit(v[i]) || !is_hex_digit(v[i + 1])) return std::string(v);
    out.push_back(static_cast<char>(*to_number<unsigned>(v.substr(i, 2), 16)));
  }
  return out;
}

// key=value fields of a record body. Values may be "quoted" (and hold spaces).
// The ENRICHED format appends interpreted fields after 0x1d: the raw ones before it
// are complete, so parsing stops there.
std::map<std::string, std::string, std::less<>> split_fields(std::string_view body) {
  std::map<std::string, std::string, std::less<>> fields;
  size_t i = 0;
  while (i < body.size()) {
    if (body[i] == '\x1d') break;
    if (body[i] == ' ' || body[i] == '\t' || body[i] == '\r') {
      ++i;
      continue;
    }
    size_t eq = body.find('=', i);
    size_t sp = body.find_first_of(" \t\x1d", i);
    if (eq == std::string_view::npos || (sp != std::string_view::npos && sp < eq)) {
      // A bare word (": " after msg=audit(...), or prose): skip it.
      i = sp == std::string_view::npos ? body.size() : sp;
      continue;
    }
    std::string key(body.substr(i, eq - i));
    size_t v = eq + 1;
    size_t end;
    if (v < body.size() && body[v] == '"') {
      end = body.find('"', v + 1);
      end = end == std::string_view::npos ? body.size() : end + 1;
    } else {
      end = body.find_first_of(" \t\x1d\r", v);
      if (end == std::string_view::npos) end = body.size();
    }
    fields.emplace(std::move(key), std::string(body.substr(v, end - v)));
    i = end;
  }
  return fields;
}

// Where the record starts and whether it is one: "type=1326", "type=SECCOMP", or the
// journal's "audit[PID]: SECCOMP ...". Returns the record kind and the body offset.
LineKind classify(std::string_view line, size_t& body) {
  size_t t = line.find("type=");
  while (t != std::string_view::npos) {
    if (t == 0 || line[t - 1] == ' ' || line[t - 1] == ':') {
      std::string_view rest = line.substr(t + 5);
      std::string_view type = rest.substr(0, rest.find_first_of(" \t"));
      body = t;
      if (type == kSeccompType || type == "SECCOMP") return LineKind::seccomp;
      if (line.find("audit(") != std::string_view::npos) return LineKind::audit;
    }
    t = line.find("type=", t + 1);
  }
  // systemd-journald reading the audit socket: "audit[1234]: SECCOMP auid=..."
  size_t a = line.find("audit[");
  if (a != std::string_view::npos) {
    size_t close = line.find("]: ", a);
    if (close != std::string_view::npos) {
      std::string_view rest = line.substr(close + 3);
      std::string_view type = rest.substr(0, rest.find(' '));
      body = close + 3;
      if (type == "SECCOMP") return LineKind::seccomp;
      if (!type.empty() && type.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string_view::npos)
        return LineKind::audit;
    }
  }
  return LineKind::not_audit;
}

// "audit(1795817254.208:2)" or, from `ausearch -i`, "audit(11/27/2026 22:14:00.208:2)":
// only the numeric form gives a time.
void parse_stamp(std::string_view line, SeccompEvent& ev) {
  size_t a = line.find("audit(");
  if (a == std::string_view::npos) return;
  size_t close = line.find(')', a);
  if (close == std::string_view::npos) return;
  std::string_view stamp = line.substr(a + 6, close - a - 6);
  size_t colon = stamp.rfind(':');
  if (colon == std::string_view::npos) return;
  if (auto serial = to_number<uint64_t>(stamp.substr(colon + 1), 10)) ev.serial = *serial;
  std::string_view when = stamp.substr(0, colon);
  if (when.find_first_not_of("0123456789.") != std::string_view::npos) return;
  try {
    ev.time = std::stod(std::string(when));
  } catch (...) {
  }
}

}  // namespace

std::string SeccompEvent::syscall_name() const {
  return syscall ? std::string(syscall->name) : fmt::format("#{}", nr);
}

uint32_t action_of(uint32_t code) { return code & SECCOMP_RET_ACTION_FULL; }

// The kernel logs only the action (ret & SECCOMP_RET_ACTION_FULL), so real records
// carry no errno; a code with data bits set comes from elsewhere and is shown whole.
std::optional<int> errno_of(uint32_t code) {
  if (action_of(code) != SECCOMP_RET_ERRNO || (code & SECCOMP_RET_DATA) == 0) return std::nullopt;
  return static_cast<int>(code & SECCOMP_RET_DATA);
}

std::string action_text(uint32_t code) {
  uint32_t action = action_of(code);
  uint32_t data = code & SECCOMP_RET_DATA;
  for (const auto& a : kActions) {
    if (a.action != action) continue;
    if (action == SECCOMP_RET_ERRNO && data != 0)
      return fmt::format("{}({})", action_name(a.name), sys::errno_name(static_cast<int>(data)));
    if ((action == SECCOMP_RET_TRACE || action == SECCOMP_RET_TRAP) && data != 0)
      return fmt::format("{}({})", action_name(a.name), data);
    return std::string(action_name(a.name));
  }
  return fmt::format("{:#x}", code);
}

ParsedLine parse_line(std::string_view line, const std::string& file, size_t lineno) {
  ParsedLine out;
  size_t body = 0;
  out.kind = classify(line, body);
  if (out.kind != LineKind::seccomp) return out;

  auto fail = [&](const std::string& what) -> Error {
    return Error(fmt::format("{}:{}: {}", file, lineno, what));
  };
  auto fields = split_fields(line.substr(body));
  auto need = [&](std::string_view key) -> const std::string& {
    auto it = fields.find(key);
    if (it == fields.end() || it->second.empty())
      throw fail(fmt::format("seccomp audit record without '{}='", key));
    return it->second;
  };
  auto opt = [&](std::string_view key) -> std::string {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };

  SeccompEvent ev;
  ev.file = file;
  ev.line = lineno;
  parse_stamp(line, ev);

  // Raw records carry numbers; `ausearch -i` turns arch, syscall, sig and code into
  // names. Both are accepted.
  const std::string& arch_text = need("arch");
  const std::string& nr_text = need("syscall");
  if (auto v = to_number<uint32_t>(arch_text, 16); v && arch_text.find_first_not_of("0123456789abcdefABCDEFx") == std::string::npos) {
    ev.audit_arch = *v;
    auto nr = to_number<int64_t>(nr_text, 10);
    if (!nr) throw fail(fmt::format("bad syscall number '{}'", nr_text));
    ev.nr = *nr;
    auto a = sys::arch_from_audit(ev.audit_arch, static_cast<uint64_t>(ev.nr));
    if (!a) throw fail(fmt::format("unknown audit arch 0x{}: no AUDIT_ARCH_* syscribe knows", arch_text));
    ev.arch = *a;
    ev.syscall = sys::find(ev.arch, ev.nr);
  } else {
    auto a = sys::parse_arch(arch_text);
    if (!a) throw fail(fmt::format("unknown arch '{}'", arch_text));
    ev.arch = *a;
    ev.audit_arch = sys::audit_arch(*a);
    if (auto nr = to_number<int64_t>(nr_text, 10)) {
      ev.nr = *nr;
      ev.syscall = sys::find(ev.arch, ev.nr);
    } else {
      ev.syscall = sys::find(nr_text);
      if (!ev.syscall || !ev.syscall->exists_on(ev.arch))
        throw fail(fmt::format("unknown syscall '{}' on {}", nr_text, sys::arch_name(ev.arch)));
      ev.nr = ev.syscall->number(ev.arch);
    }
  }

  const std::string& code_text = need("code");
  if (auto c = to_number<uint32_t>(code_text, 16)) {
    ev.code = *c;
    ev.action = action_text(ev.code);
  } else if (code_text == "kill") {
    ev.code = SECCOMP_RET_KILL_PROCESS;
    ev.action = action_name(Action::kill);
  } else {
    bool found = false;
    for (const auto& a : kActions)
      if (code_text == a.interpreted) {
        ev.code = a.action;
        found = true;
      }
    if (!found) throw fail(fmt::format("bad seccomp action code '{}'", code_text));
    ev.action = action_text(ev.code);
  }

  if (auto pid = opt("pid"); !pid.empty()) {
    auto v = to_number<int64_t>(pid, 10);
    if (!v) throw fail(fmt::format("bad pid '{}'", pid));
    ev.pid = *v;
  }
  if (auto sig = opt("sig"); !sig.empty()) {
    if (auto v = to_number<int>(sig, 10)) ev.sig = *v;
  }
  if (auto ip = opt("ip"); !ip.empty()) {
    if (auto v = to_number<uint64_t>(ip, 16)) ev.ip = *v;
  }
  ev.compat = opt("compat") == "1";
  ev.uid = opt("uid");
  ev.gid = opt("gid");
  ev.auid = opt("auid");
  ev.ses = opt("ses");
  ev.comm = untrusted_string(opt("comm"));
  ev.exe = untrusted_string(opt("exe"));
  out.event = std::move(ev);
  return out;
}

ParsedLog parse_log(std::string_view text, const std::string& file) {
  ParsedLog log;
  size_t lineno = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto parsed = parse_line(line, file, lineno);
    switch (parsed.kind) {
      case LineKind::seccomp:
        log.events.push_back(std::move(*parsed.event));
        break;
      case LineKind::audit:
        ++log.other_audit;
        break;
      case LineKind::not_audit:
        // dmesg says so when it dropped records: the summary would undercount.
        if (line.find("callbacks suppressed") != std::string_view::npos ||
            line.find("audit_lost=") != std::string_view::npos)
          log.suppressed = true;
        if (!log.first_not_audit) log.first_not_audit = lineno;
        ++log.not_audit;
        break;
    }
  }
  return log;
}

ev::Evidence to_evidence(const std::vector<SeccompEvent>& events, const std::vector<std::string>& sources) {
  ev::Evidence out;
  std::optional<double> t0, t1;
  for (const auto& e : events)
    if (e.time) {
      t0 = t0 ? std::min(*t0, *e.time) : *e.time;
      t1 = t1 ? std::max(*t1, *e.time) : *e.time;
    }

  ev::Recording rec;
  rec.command = {"audit log"};
  rec.command.insert(rec.command.end(), sources.begin(), sources.end());
  rec.mode = "audit";
  rec.tool_version = SYSCRIBE_VERSION;
  if (t0) {
    std::time_t secs = static_cast<std::time_t>(*t0);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rec.started = buf;
    rec.duration = *t1 - *t0;
  }
  rec.marks.push_back(ev::Mark{"audit", 0, "audit log"});
  out.recordings.push_back(rec);

  std::map<ev::ProcessKey, std::set<int64_t>> pids;
  for (const auto& e : events) {
    ev::ProcessKey key{e.exe, e.comm};
    ev::Process& p = out.processes[key];
    p.exe = e.exe;
    p.comm = e.comm;
    pids[key].insert(e.pid);
    double at = (e.time && t0) ? *e.time - *t0 : 0;
    ev::SyscallStats one;
    one.count = 1;
    one.first = one.last = at;
    ev::merge_stats(p.phases["audit"][std::string(sys::arch_name(e.arch))][e.syscall_name()], one);
  }
  for (auto& [key, p] : out.processes) p.instances = pids[key].size();
  return out;
}

}  // namespace syscribe::audit
