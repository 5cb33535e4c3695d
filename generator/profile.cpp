#include "generator/profile.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence.h"
#include "core/json_read.h"

namespace syscribe::gen {

using nlohmann::json;

namespace {

constexpr std::string_view kOps[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                     "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr std::string_view kFlags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                       "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                       "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

constexpr std::string_view kReasonPrefix = "syscribe.dev/reason.";

constexpr std::string_view kSpoApiVersion = "security-profiles-operator.x-k8s.io/v1beta1";

std::vector<std::string> read_strings(const JsonAt& j) {
  std::vector<std::string> out;
  for (size_t i = 0; i < j.array().size(); ++i) out.push_back(j.at(i).str());
  return out;
}

std::optional<uint32_t> read_errno(const JsonAt& j) {
  uint64_t v = j.u64();
  if (v > 0xffff) j.fail(fmt::format("errno {} does not fit in 16 bits", v));
  return static_cast<uint32_t>(v);
}

Action read_action(const JsonAt& j) {
  std::string a = j.str();
  auto action = parse_action(a);
  if (!action) j.fail(fmt::format("unknown action \"{}\"", a));
  return *action;
}

DockerFilter read_filter(const JsonAt& j) {
  DockerFilter f;
  j.object();
  if (j.has("caps") && !j.at("caps").value().is_null()) f.caps = read_strings(j.at("caps"));
  if (j.has("arches") && !j.at("arches").value().is_null()) f.arches = read_strings(j.at("arches"));
  if (j.has("minKernel") && !j.at("minKernel").value().is_null()) f.min_kernel = j.at("minKernel").str();
  return f;
}

Rule read_rule(const JsonAt& j) {
  Rule r;
  j.object();
  if (j.has("names") && !j.at("names").value().is_null()) r.names = read_strings(j.at("names"));
  if (j.has("name")) r.names.push_back(j.at("name").str());  // Docker's old single-name form
  if (r.names.empty()) j.fail("rule without \"names\"");
  r.action = read_action(j.at("action"));
  if (j.has("errnoRet") && !j.at("errnoRet").value().is_null()) r.errno_ret = read_errno(j.at("errnoRet"));
  if (j.has("args") && !j.at("args").value().is_null()) {
    JsonAt args = j.at("args");
    for (size_t i = 0; i < args.array().size(); ++i) {
      JsonAt a = args.at(i);
      ArgCond c;
      uint64_t index = a.at("index").u64();
      if (index > 5) a.at("index").fail(fmt::format("argument index {} is out of range 0..5", index));
      c.index = static_cast<unsigned>(index);
      c.value = a.at("value").u64();
      if (a.has("valueTwo")) c.value_two = a.at("valueTwo").u64();
      c.op = a.at("op").str();
      if (!known_op(c.op)) a.at("op").fail(fmt::format("unknown operator \"{}\"", c.op));
      r.args.push_back(c);
    }
  }
  if (j.has("comment")) r.comment = j.at("comment").str();
  if (j.has("includes")) r.includes = read_filter(j.at("includes"));
  if (j.has("excludes")) r.excludes = read_filter(j.at("excludes"));
  return r;
}

// The fields shared by OCI, Docker and the SPO spec.
void read_body(const JsonAt& j, Profile& p) {
  j.object();
  p.default_action = read_action(j.at("defaultAction"));
  if (j.has("defaultErrnoRet") && !j.at("defaultErrnoRet").value().is_null())
    p.default_errno_ret = read_errno(j.at("defaultErrnoRet"));
  if (j.has("architectures") && !j.at("architectures").value().is_null())
    p.architectures = read_strings(j.at("architectures"));
  if (j.has("archMap") && !j.at("archMap").value().is_null()) {
    JsonAt am = j.at("archMap");
    for (size_t i = 0; i < am.array().size(); ++i) {
      JsonAt e = am.at(i);
      ArchMapEntry entry;
      entry.architecture = e.at("architecture").str();
      if (e.has("subArchitectures") && !e.at("subArchitectures").value().is_null())
        entry.sub_architectures = read_strings(e.at("subArchitectures"));
      p.arch_map.push_back(std::move(entry));
    }
    if (!p.architectures.empty())
      j.fail("both \"architectures\" and \"archMap\" are given; Docker refuses that, use one");
  }
  if (j.has("flags") && !j.at("flags").value().is_null()) {
    JsonAt flags = j.at("flags");
    p.flags = read_strings(flags);
    for (size_t i = 0; i < p.flags.size(); ++i)
      if (!known_flag(p.flags[i])) flags.at(i).fail(fmt::format("unknown flag \"{}\"", p.flags[i]));
  }
  if (j.has("listenerPath")) p.listener_path = j.at("listenerPath").str();
  if (j.has("listenerMetadata")) p.listener_metadata = j.at("listenerMetadata").str();
  if (j.has("syscalls") && !j.at("syscalls").value().is_null()) {
    JsonAt calls = j.at("syscalls");
    for (size_t i = 0; i < calls.array().size(); ++i) p.syscalls.push_back(read_rule(calls.at(i)));
  }
}

bool has_docker_fields(const Profile& p) {
  if (!p.arch_map.empty()) return true;
  return std::any_of(p.syscalls.begin(), p.syscalls.end(), [](const Rule& r) {
    return !r.comment.empty() || !r.includes.empty() || !r.excludes.empty();
  });
}

json filter_json(const DockerFilter& f) {
  json j = json::object();
  if (!f.caps.empty()) j["caps"] = f.caps;
  if (!f.arches.empty()) j["arches"] = f.arches;
  if (!f.min_kernel.empty()) j["minKernel"] = f.min_kernel;
  return j;
}

json args_json(const std::vector<ArgCond>& args) {
  json arr = json::array();
  for (const auto& c : args)
    arr.push_back({{"index", c.index}, {"value", c.value}, {"valueTwo", c.value_two}, {"op", c.op}});
  return arr;
}

// Docker wants archMap: one entry per native arch with the compat arches listed beside it.
std::vector<ArchMapEntry> arch_map_of(const Profile& p) {
  if (!p.arch_map.empty()) return p.arch_map;
  std::vector<ArchMapEntry> out;
  std::vector<sys::Arch> listed = listed_arches(p);
  for (sys::Arch a : listed) {
    sys::Arch native = sys::native_of(a);
    std::string native_name(sys::scmp_arch_name(native));
    auto it = std::find_if(out.begin(), out.end(), [&](const ArchMapEntry& e) { return e.architecture == native_name; });
    if (it == out.end()) {
      out.push_back({native_name, {}});
      it = out.end() - 1;
    }
    if (a != native) it->sub_architectures.emplace_back(sys::scmp_arch_name(a));
  }
  return out;
}

// YAML scalars: quote anything that is not plainly safe.
// YAML (the SPO CRD as kubectl users keep it) to JSON, so one validator reads both. Plain
// scalars that look like integers or booleans become those; quoted ones stay strings.
json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : n) arr.push_back(yaml_to_json(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : n) obj[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return obj;
    }
    case YAML::NodeType::Scalar: break;
  }
  const std::string& v = n.Scalar();
  if (n.Tag() == "!") return v;  // quoted
  if (v == "true") return true;
  if (v == "false") return false;
  if (v == "null" || v == "~") return nullptr;
  if (auto num = sys::parse_value("", v); num && !v.empty() && v[0] != '-') return *num;
  return v;
}

std::string yaml_str(const std::string& s) {
  bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
  });
  if (plain && !std::isdigit(static_cast<unsigned char>(s[0])) && s != "true" && s != "false" && s != "null" &&
      s != "yes" && s != "no" && s != "on" && s != "off")
    return s;
  return json(s).dump();  // a JSON string is a valid YAML double-quoted scalar
}

std::string spo_yaml(const Profile& p) {
  std::string out = fmt::format("apiVersion: {}\nkind: SeccompProfile\nmetadata:\n  name: {}\n", kSpoApiVersion,
                                yaml_str(p.name.empty() ? "syscribe-profile" : p.name));
  if (!p.nspace.empty()) out += fmt::format("  namespace: {}\n", yaml_str(p.nspace));
  if (!p.annotations.empty()) {
    out += "  annotations:\n";
    for (const auto& [key, value] : p.annotations) out += fmt::format("    {}: {}\n", yaml_str(key), yaml_str(value));
  }
  out += "spec:\n";
  out += fmt::format("  defaultAction: {}\n", action_name(p.default_action));
  // SeccompProfile's spec has no defaultErrnoRet: the runtime's EPERM applies.
  std::vector<std::string> arches = p.architectures;
  if (arches.empty())
    for (const auto& e : p.arch_map) {
      arches.push_back(e.architecture);
      arches.insert(arches.end(), e.sub_architectures.begin(), e.sub_architectures.end());
    }
  if (!arches.empty()) {
    out += "  architectures:\n";
    for (const auto& a : arches) out += fmt::format("  - {}\n", yaml_str(a));
  }
  if (!p.flags.empty()) {
    out += "  flags:\n";
    for (const auto& f : p.flags) out += fmt::format("  - {}\n", yaml_str(f));
  }
  if (!p.syscalls.empty()) out += "  syscalls:\n";
  for (const auto& r : p.syscalls) {
    if (!r.comment.empty()) out += fmt::format("  # {}\n", r.comment);
    out += fmt::format("  - action: {}\n", action_name(r.action));
    if (r.errno_ret) out += fmt::format("    errnoRet: {}\n", *r.errno_ret);
    out += "    names:\n";
    for (const auto& n : r.names) out += fmt::format("    - {}\n", yaml_str(n));
    if (!r.args.empty()) {
      out += "    args:\n";
      for (const auto& c : r.args)
        out += fmt::format("    - index: {}\n      value: {}\n      valueTwo: {}\n      op: {}\n", c.index, c.value,
                           c.value_two, c.op);
    }
  }
  return out;
}

}  // namespace

std::string_view format_name(Format f) {
  switch (f) {
    case Format::oci: return "oci";
    case Format::docker: return "docker";
    case Format::spo: return "spo";
  }
  return "?";
}

std::optional<Format> parse_format(std::string_view text) {
  for (Format f : {Format::oci, Format::docker, Format::spo})
    if (text == format_name(f)) return f;
  return std::nullopt;
}

bool known_op(std::string_view op) { return std::find(std::begin(kOps), std::end(kOps), op) != std::end(kOps); }
bool known_flag(std::string_view flag) {
  return std::find(std::begin(kFlags), std::end(kFlags), flag) != std::end(kFlags);
}

Profile parse_profile(const json& root, const std::string& file) {
  JsonAt j(root, file);
  j.object();
  if (ev::is_evidence(root))
    throw Error(fmt::format("{} is evidence, not a profile (make a profile from it with 'syscribe generate')", file));
  if (ev::other_kind(root) == "a review decisions file") throw Error(fmt::format("{} is a review decisions file, not a profile", file));
  Profile p;
  if (j.has("kind") || j.has("apiVersion")) {
    std::string kind = j.at("kind").str();
    if (kind != "SeccompProfile") j.at("kind").fail(fmt::format("expected kind SeccompProfile, found \"{}\"", kind));
    p.format = Format::spo;
    if (j.has("metadata")) {
      JsonAt md = j.at("metadata");
      if (md.has("name")) p.name = md.at("name").str();
      if (md.has("namespace")) p.nspace = md.at("namespace").str();
      if (md.has("annotations") && !md.at("annotations").value().is_null()) {
        JsonAt an = md.at("annotations");
        for (const auto& [key, value] : an.object().items()) p.annotations[key] = an.at(key).str();
      }
    }
    read_body(j.at("spec"), p);
    return p;
  }
  if (j.has("linux") && !j.has("defaultAction")) {  // a whole OCI config.json
    read_body(j.at("linux").at("seccomp"), p);
    p.format = Format::oci;
    return p;
  }
  read_body(j, p);
  p.format = has_docker_fields(p) ? Format::docker : Format::oci;
  return p;
}

Profile parse_profile_text(const std::string& text, const std::string& file) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] == '{' || text[first] == '[')
    return parse_profile(parse_json_text(text, file), file);
  json j;
  try {
    j = yaml_to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return parse_profile(j, file);
}

Profile read_profile(const std::string& path) {
  std::string name = path == "-" ? "<stdin>" : path;
  return parse_profile_text(read_file(path), name);
}

std::string reason_annotation(std::string_view syscall) { return fmt::format("{}{}", kReasonPrefix, syscall); }

std::string stated_reason(const Profile& p, const Rule& r, std::string_view syscall) {
  if (!r.comment.empty()) return r.comment;
  auto it = p.annotations.find(reason_annotation(syscall));
  return it == p.annotations.end() ? "" : it->second;
}

std::vector<UnknownName> unknown_syscalls(const Profile& p) {
  std::vector<UnknownName> out;
  for (size_t i = 0; i < p.syscalls.size(); ++i)
    for (size_t j = 0; j < p.syscalls[i].names.size(); ++j)
      if (!sys::find(p.syscalls[i].names[j]))
        out.push_back({fmt::format("$.syscalls[{}].names[{}]", i, j), p.syscalls[i].names[j]});
  return out;
}

json profile_json(const Profile& p, Format f) {
  json j = json::object();
  j["defaultAction"] = action_name(p.default_action);
  if (p.default_errno_ret) j["defaultErrnoRet"] = *p.default_errno_ret;
  if (f == Format::docker) {
    json am = json::array();
    for (const auto& e : arch_map_of(p))
      am.push_back({{"architecture", e.architecture}, {"subArchitectures", e.sub_architectures}});
    j["archMap"] = am;
  } else {
    std::vector<std::string> arches = p.architectures;
    if (arches.empty())
      for (const auto& e : p.arch_map) {
        arches.push_back(e.architecture);
        arches.insert(arches.end(), e.sub_architectures.begin(), e.sub_architectures.end());
      }
    j["architectures"] = arches;
  }
  if (!p.flags.empty()) j["flags"] = p.flags;
  if (!p.listener_path.empty()) j["listenerPath"] = p.listener_path;
  if (!p.listener_metadata.empty()) j["listenerMetadata"] = p.listener_metadata;
  json calls = json::array();
  for (const auto& r : p.syscalls) {
    json rj = {{"names", r.names}, {"action", action_name(r.action)}};
    if (r.errno_ret) rj["errnoRet"] = *r.errno_ret;
    if (!r.args.empty()) rj["args"] = args_json(r.args);
    if (f == Format::docker) {
      if (!r.comment.empty()) rj["comment"] = r.comment;
      if (!r.includes.empty()) rj["includes"] = filter_json(r.includes);
      if (!r.excludes.empty()) rj["excludes"] = filter_json(r.excludes);
    }
    calls.push_back(rj);
  }
  j["syscalls"] = calls;
  return j;
}

std::string write_profile(const Profile& p, Format f) {
  if (f == Format::spo) return spo_yaml(p);
  return profile_json(p, f).dump(2) + "\n";
}

std::vector<sys::Arch> listed_arches(const Profile& p) {
  std::vector<sys::Arch> out;
  auto add = [&](const std::string& name) {
    auto a = sys::parse_arch(name);
    if (a && std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
  };
  for (const auto& a : p.architectures) add(a);
  for (const auto& e : p.arch_map) {
    add(e.architecture);
    for (const auto& s : e.sub_architectures) add(s);
  }
  return out;
}

std::vector<sys::Arch> effective_arches(const Profile& p, sys::Arch host) {
  std::vector<sys::Arch> out{host};
  auto add = [&](const std::string& name) {
    auto a = sys::parse_arch(name);
    if (a && std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
  };
  for (const auto& a : p.architectures) add(a);
  for (const auto& e : p.arch_map) {
    if (sys::parse_arch(e.architecture) != host) continue;
    for (const auto& s : e.sub_architectures) add(s);
  }
  return out;
}

bool rule_applies(const Rule& r, sys::Arch host, const std::vector<std::string>& caps) {
  auto has_cap = [&](const std::string& c) { return std::find(caps.begin(), caps.end(), c) != caps.end(); };
  if (!r.includes.arches.empty() &&
      std::none_of(r.includes.arches.begin(), r.includes.arches.end(),
                   [&](const std::string& a) { return sys::parse_arch(a) == host; }))
    return false;
  if (!r.excludes.arches.empty() &&
      std::any_of(r.excludes.arches.begin(), r.excludes.arches.end(),
                  [&](const std::string& a) { return sys::parse_arch(a) == host; }))
    return false;
  if (!std::all_of(r.includes.caps.begin(), r.includes.caps.end(), has_cap)) return false;
  if (std::any_of(r.excludes.caps.begin(), r.excludes.caps.end(), has_cap)) return false;
  return true;
}

}  // namespace syscribe::gen
