#include "evidence/evidence.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "syscalls-tables/syscalls.h"

namespace syscribe::ev {

using nlohmann::json;

std::vector<std::string> Evidence::phase_names() const {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  std::vector<Mark> marks;
  for (const auto& r : recordings) marks.insert(marks.end(), r.marks.begin(), r.marks.end());
  std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.at < b.at; });
  for (const auto& m : marks) add(m.phase);
  std::set<std::string> others;
  for (const auto& [key, p] : processes)
    for (const auto& [phase, _] : p.phases) others.insert(phase);
  for (const auto& n : others) add(n);
  return names;
}

std::set<std::string> Evidence::arch_names() const {
  std::set<std::string> arches;
  for (const auto& [key, p] : processes)
    for (const auto& [phase, m] : p.phases)
      for (const auto& [arch, calls] : m)
        if (!calls.empty()) arches.insert(arch);
  return arches;
}

std::vector<size_t> tuple_args(const sys::SyscallInfo& info) {
  std::vector<size_t> out;
  for (size_t i = 0; i < info.args.size(); ++i) {
    const sys::ArgInfo& a = info.args[i];
    if ((a.use == sys::ArgUse::eq || a.use == sys::ArgUse::mask) && !sys::is_string_kind(a.kind)) out.push_back(i);
  }
  return out;
}

std::string tuple_key(const sys::SyscallInfo& info, const std::vector<uint64_t>& values) {
  std::vector<size_t> idx = tuple_args(info);
  std::string out;
  for (size_t i = 0; i < idx.size() && i < values.size(); ++i)
    out += fmt::format("{}{}=0x{:x}", i ? "," : "", info.args[idx[i]].name, values[i]);
  return out;
}

std::optional<std::vector<uint64_t>> parse_tuple(const sys::SyscallInfo& info, const std::string& key) {
  std::vector<size_t> idx = tuple_args(info);
  std::vector<uint64_t> out;
  size_t pos = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    size_t end = key.find(',', pos);
    std::string part = key.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t eq = part.find('=');
    if (eq == std::string::npos || part.substr(0, eq) != info.args[idx[i]].name) return std::nullopt;
    auto v = sys::parse_value("", part.substr(eq + 1));
    if (!v) return std::nullopt;
    out.push_back(*v);
    if ((end == std::string::npos) != (i + 1 == idx.size())) return std::nullopt;
    pos = end + 1;
  }
  return out;
}

std::string known_key(const sys::SyscallInfo& info, const std::vector<KnownCompare>& compares) {
  std::string out;
  for (const auto& c : compares) {
    out += fmt::format("{}{}", out.empty() ? "" : ",", info.args[c.index].name);
    if (c.mask != ~0ull) out += fmt::format("&0x{:x}", c.mask);
    out += fmt::format("=0x{:x}", c.value);
  }
  return out;
}

std::optional<std::vector<KnownCompare>> parse_known_key(const sys::SyscallInfo& info, const std::string& key) {
  std::vector<KnownCompare> out;
  auto hex = [](const std::string& text) -> std::optional<uint64_t> {
    if (text.size() < 3 || text.compare(0, 2, "0x") != 0) return std::nullopt;
    return sys::parse_value("", text);
  };
  for (size_t pos = 0; pos <= key.size();) {
    size_t end = std::min(key.find(',', pos), key.size());
    std::string part = key.substr(pos, end - pos);
    pos = end + 1;
    size_t eq = part.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string name = part.substr(0, eq);
    KnownCompare c;
    if (size_t amp = name.find('&'); amp != std::string::npos) {
      auto m = hex(name.substr(amp + 1));
      if (!m) return std::nullopt;
      c.mask = *m;
      name.resize(amp);
    }
    int idx = info.arg_index(name);
    if (idx < 0) return std::nullopt;
    const sys::ArgInfo& a = info.args[static_cast<size_t>(idx)];
    if (a.use == sys::ArgUse::none || sys::is_string_kind(a.kind)) return std::nullopt;
    auto v = hex(part.substr(eq + 1));
    if (!v || (!out.empty() && out.back().index >= static_cast<size_t>(idx))) return std::nullopt;
    c.index = static_cast<size_t>(idx);
    c.value = *v;
    out.push_back(c);
  }
  return out;
}

void merge_stats(SyscallStats& into, const SyscallStats& from) {
  // One call site per syscall: a recording without --stacks never hides one that has it, and
  // of two the smaller is kept, so the result is the same in any order and grouping (times
  // from different recordings do not compare).
  if (!from.stack.empty() && (into.stack.empty() || from.stack < into.stack)) into.stack = from.stack;
  if (into.count == 0) {
    into.first = from.first;
    into.last = from.last;
  } else if (from.count != 0) {
    into.first = std::min(into.first, from.first);
    into.last = std::max(into.last, from.last);
  }
  into.count += from.count;
  for (const auto& [arg, values] : from.args)
    for (const auto& [v, n] : values) into.args[arg][v] += n;
  for (const auto& [t, n] : from.tuples) into.tuples[t] += n;
  for (const auto& [e, n] : from.errors) into.errors[e] += n;
}

void merge_into(Evidence& into, const Evidence& from) {
  into.recordings.insert(into.recordings.end(), from.recordings.begin(), from.recordings.end());
  std::sort(into.recordings.begin(), into.recordings.end());
  for (const auto& [key, p] : from.processes) {
    Process& dst = into.processes[key];
    dst.exe = p.exe;
    dst.comm = p.comm;
    dst.instances += p.instances;
    for (const auto& a : p.argvs) {
      if (dst.argvs.size() >= kMaxArgvs) break;
      dst.argvs.insert(a);
    }
    dst.parent_chains.insert(p.parent_chains.begin(), p.parent_chains.end());
    for (const auto& [phase, m] : p.phases)
      for (const auto& [arch, calls] : m)
        for (const auto& [name, st] : calls) merge_stats(dst.phases[phase][arch][name], st);
  }
}

namespace {

// Times are kept to the microsecond so files stay readable and stable.
double round_time(double t) { return std::round(t * 1e6) / 1e6; }

json stats_json(const SyscallStats& s) {
  json j = {{"count", s.count}, {"first", round_time(s.first)}, {"last", round_time(s.last)}};
  if (!s.args.empty()) j["args"] = s.args;
  if (!s.tuples.empty()) j["tuples"] = s.tuples;
  if (!s.errors.empty()) j["errors"] = s.errors;
  if (!s.stack.empty()) j["stack"] = s.stack;
  return j;
}

json marks_json(const std::vector<Mark>& marks) {
  json arr = json::array();
  for (const auto& m : marks) arr.push_back({{"phase", m.phase}, {"at", round_time(m.at)}, {"source", m.source}});
  return arr;
}

json recording_json(const Recording& r) {
  json j = {{"command", r.command},       {"started", r.started},
            {"duration", round_time(r.duration)}, {"tool_version", r.tool_version},
            {"mode", r.mode},             {"host_kernel", r.host_kernel},
            {"host_arch", r.host_arch},   {"marks", marks_json(r.marks)}};
  // A checkpoint has no exit status: the workload had not exited.
  if (r.complete)
    j["exit_status"] = r.exit_status;
  else
    j["complete"] = false;
  if (!r.known.empty()) j["known"] = r.known;
  if (!r.known_tuples.empty()) j["known_tuples"] = r.known_tuples;
  if (!r.known_arches.empty()) j["known_arches"] = r.known_arches;
  if (!r.container.empty()) j["container"] = r.container;
  return j;
}

std::vector<std::string> read_strings(const JsonAt& j) {
  std::vector<std::string> out;
  for (size_t i = 0; i < j.array().size(); ++i) out.push_back(j.at(i).str());
  return out;
}

// `syscall` is the name the evidence gives (known or "#<nr>").
SyscallStats read_stats(const JsonAt& j, const std::string& syscall) {
  SyscallStats s;
  s.count = j.at("count").u64();
  s.first = j.member("first", 0.0).num();
  s.last = j.member("last", 0.0).num();
  if (j.has("args")) {
    JsonAt args = j.at("args");
    const sys::SyscallInfo* info = sys::find(syscall);
    for (const auto& [name, values] : args.object().items()) {
      JsonAt vals = args.at(name);
      // A number argument's values are numbers: anything else would leave the generator no
      // filter to build, so the call would be allowed with any value.
      const sys::ArgInfo* ai = info ? info->arg(name) : nullptr;
      bool number = ai && !sys::is_string_kind(ai->kind);
      for (const auto& [v, _] : vals.object().items()) {
        if (number && !sys::parse_value("", v))
          vals.at(v).fail(fmt::format("\"{}\" is not a number: {} values of {} are written as hex (\"0x1a\")", v,
                                      name, syscall));
        s.args[name][v] = vals.at(v).u64();
      }
    }
  }
  if (j.has("tuples")) {
    JsonAt tuples = j.at("tuples");
    const sys::SyscallInfo* info = sys::find(syscall);
    for (const auto& [key, _] : tuples.object().items()) {
      if (!info || !parse_tuple(*info, key))
        tuples.at(key).fail(fmt::format("\"{}\" is not a tuple of {}: the key names each filtered number argument "
                                        "in call order with its hex value (\"{}\")",
                                        key, syscall, info ? tuple_key(*info, std::vector<uint64_t>(6, 0)) : "?"));
      s.tuples[key] = tuples.at(key).u64();
    }
  }
  if (j.has("errors")) {
    JsonAt errs = j.at("errors");
    for (const auto& [e, _] : errs.object().items()) s.errors[e] = errs.at(e).u64();
  }
  if (j.has("stack")) s.stack = read_strings(j.at("stack"));
  return s;
}

// arch -> syscall -> [key]: only what a --known filter can have let through.
std::map<std::string, std::map<std::string, std::set<std::string>>> read_known_tuples(const JsonAt& j) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> out;
  for (const auto& [arch, _] : j.object().items()) {
    JsonAt calls = j.at(arch);
    auto a = sys::parse_arch(arch);
    if (!a || sys::arch_name(*a) != arch) calls.fail(fmt::format("unknown architecture \"{}\"", arch));
    for (const auto& [name, __] : calls.object().items()) {
      JsonAt keys = calls.at(name);
      const sys::SyscallInfo* info = sys::find(name);
      if (!info) keys.fail(fmt::format("unknown syscall \"{}\"", name));
      for (size_t i = 0; i < keys.array().size(); ++i) {
        std::string key = keys.at(i).str();
        if (!parse_known_key(*info, key))
          keys.at(i).fail(fmt::format("\"{}\" is not a known tuple of {}: recorded number arguments in call order, "
                                      "each ARG=0xVALUE or ARG&0xMASK=0xVALUE, joined by ','",
                                      key, name));
        out[arch][name].insert(key);
      }
    }
  }
  return out;
}

Recording read_recording(const JsonAt& j) {
  Recording r;
  r.command = read_strings(j.at("command"));
  r.started = j.at("started").str();
  r.duration = j.member("duration", 0.0).num();
  r.tool_version = j.member("tool_version", "").str();
  r.mode = j.member("mode", "").str();
  r.host_kernel = j.member("host_kernel", "").str();
  r.host_arch = j.member("host_arch", "").str();
  r.complete = j.member("complete", true).boolean();
  if (!r.complete && j.has("exit_status"))
    j.at("exit_status").fail("an incomplete recording (\"complete\": false) has no exit status");
  r.exit_status = static_cast<int>(j.member("exit_status", 0).i64());
  JsonAt marks = j.member("marks", json::array());
  for (size_t i = 0; i < marks.array().size(); ++i) {
    JsonAt m = marks.at(i);
    r.marks.push_back({m.at("phase").str(), m.at("at").num(), m.member("source", "").str()});
  }
  if (j.has("known")) r.known = read_strings(j.at("known"));
  if (j.has("known_tuples")) r.known_tuples = read_known_tuples(j.at("known_tuples"));
  if (j.has("known_arches")) {
    JsonAt arches = j.at("known_arches");
    r.known_arches = read_strings(arches);
    for (size_t i = 0; i < r.known_arches.size(); ++i)
      if (auto a = sys::parse_arch(r.known_arches[i]); !a || sys::arch_name(*a) != r.known_arches[i])
        arches.at(i).fail(fmt::format("unknown architecture \"{}\"", r.known_arches[i]));
  }
  if (j.has("container")) {
    JsonAt c = j.at("container");
    for (const auto& [key, _] : c.object().items()) r.container[key] = c.at(key).str();
  }
  return r;
}

}  // namespace

json to_json(const Evidence& ev) {
  json procs = json::array();
  for (const auto& [key, p] : ev.processes) {
    json phases = json::object();
    for (const auto& [phase, m] : p.phases) {
      json arches = json::object();
      for (const auto& [arch, calls] : m) {
        json cj = json::object();
        for (const auto& [name, st] : calls) cj[name] = stats_json(st);
        arches[arch] = cj;
      }
      phases[phase] = arches;
    }
    procs.push_back({{"exe", p.exe},
                     {"comm", p.comm},
                     {"instances", p.instances},
                     {"argv", p.argvs},
                     {"parents", p.parent_chains},
                     {"phases", phases}});
  }
  json recs = json::array();
  for (const auto& r : ev.recordings) recs.push_back(recording_json(r));
  return {{"format", kFormatName}, {"version", kFormatVersion}, {"recordings", recs}, {"processes", procs}};
}

std::vector<std::string> incomplete_recordings(const Evidence& ev) {
  std::vector<std::string> out;
  for (const auto& r : ev.recordings)
    if (!r.complete)
      out.push_back(fmt::format("the recording of '{}' started {} is incomplete (a checkpoint after {:.1f} s): "
                                "phases the workload had not reached yet are missing",
                                fmt::join(r.command, " "), r.started, r.duration));
  return out;
}

std::string other_kind(const json& j) {
  if (!j.is_object() || j.contains("format")) return "";
  // `kind` may hold anything in a file of another kind (YAML `kind:` alone is null).
  bool spo = j.contains("kind") && j["kind"].is_string() && j["kind"].get<std::string>() == "SeccompProfile";
  if (j.contains("defaultAction") || j.contains("syscalls") || j.contains("linux") || spo)
    return "a seccomp profile";
  if (j.contains("decisions")) return "a review decisions file";
  return "";
}

namespace {

[[noreturn]] void refuse(const std::string& file, const std::string& kind) {
  std::string hint = kind == "a review decisions file" ? "give it with --review; evidence is what 'syscribe record' writes"
                                                       : "evidence is what 'syscribe record' writes";
  throw Error(fmt::format("{} is {}, not evidence ({})", file, kind, hint));
}

}  // namespace

void refuse_other_kind_text(const std::string& text, const std::string& file) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] == '{') return;
  auto has_line = [&](std::string_view start) {
    for (size_t pos = 0; pos < text.size();) {
      if (text.compare(pos, start.size(), start) == 0) return true;
      pos = text.find('\n', pos);
      if (pos == std::string::npos) break;
      ++pos;
    }
    return false;
  };
  if (has_line("kind: SeccompProfile") || has_line("defaultAction:")) refuse(file, "a seccomp profile");
  if (has_line("decisions:")) refuse(file, "a review decisions file");
}

bool is_evidence(const json& j) {
  if (!j.is_object()) return false;
  auto f = j.find("format");
  return f != j.end() && *f == kFormatName;
}

Evidence from_json(const json& root, const std::string& file) {
  JsonAt j(root, file);
  j.object();
  if (std::string kind = other_kind(root); !kind.empty()) refuse(file, kind);
  if (j.member("format", "").value() != kFormatName)
    j.at("format").fail(fmt::format("not a syscribe evidence file (expected \"format\": \"{}\")", kFormatName));
  int64_t version = j.at("version").i64();
  if (version != kFormatVersion)
    j.at("version").fail(fmt::format("unsupported evidence version {} (this syscribe reads version {})",
                                     version, kFormatVersion));
  Evidence ev;
  JsonAt recs = j.at("recordings");
  for (size_t i = 0; i < recs.array().size(); ++i) ev.recordings.push_back(read_recording(recs.at(i)));
  std::sort(ev.recordings.begin(), ev.recordings.end());
  JsonAt procs = j.at("processes");
  for (size_t i = 0; i < procs.array().size(); ++i) {
    JsonAt pj = procs.at(i);
    Process p;
    p.exe = pj.at("exe").str();
    p.comm = pj.member("comm", "").str();
    p.instances = pj.member("instances", 1).u64();
    JsonAt argv = pj.member("argv", json::array());
    for (size_t k = 0; k < argv.array().size(); ++k) p.argvs.insert(read_strings(argv.at(k)));
    JsonAt parents = pj.member("parents", json::array());
    for (size_t k = 0; k < parents.array().size(); ++k) p.parent_chains.insert(read_strings(parents.at(k)));
    JsonAt phases = pj.at("phases");
    for (const auto& [phase, _] : phases.object().items()) {
      JsonAt arches = phases.at(phase);
      for (const auto& [arch, __] : arches.object().items()) {
        JsonAt calls = arches.at(arch);
        auto& dst = p.phases[phase][arch];
        for (const auto& [name, ___] : calls.object().items()) dst[name] = read_stats(calls.at(name), name);
      }
    }
    ProcessKey key{p.exe, p.comm};
    if (ev.processes.count(key)) pj.fail(fmt::format("duplicate process {} ({})", p.exe, p.comm));
    ev.processes.emplace(key, std::move(p));
  }
  return ev;
}

Evidence read_evidence(const std::string& path) {
  std::string text = read_file(path);
  std::string name = path == "-" ? "<stdin>" : path;
  return from_json(parse_json_text(text, name), name);
}

std::string dump_evidence(const Evidence& ev) { return to_json(ev).dump(2) + "\n"; }

void write_evidence(const std::string& path, const Evidence& ev) {
  write_file_atomic(path, dump_evidence(ev));
}

}  // namespace syscribe::ev
