// Reading the review decisions file (YAML, or JSON, which yaml-cpp reads as flow YAML), with
// errors that point at the line and column and say which item and key is wrong.
#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence.h"
#include "generator/review.h"

namespace syscribe::gen {

namespace {

constexpr std::string_view kKeys[] = {"syscall", "decision", "reason", "args", "process", "phase", "by", "date"};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Line and column (1-based) just past the last character of `text`, not counting a final newline.
std::pair<int, int> end_of(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  int line = 1 + static_cast<int>(std::count(t.begin(), t.end(), '\n'));
  size_t nl = t.rfind('\n');
  int col = static_cast<int>(t.size() - (nl == std::string::npos ? 0 : nl + 1)) + 1;
  return {line, col};
}

class Reader {
 public:
  Reader(std::string file, bool undecided_ok) : file_(std::move(file)), undecided_ok_(undecided_ok) {}

  FilePos pos(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& path, const std::string& msg) const {
    throw Error(fmt::format("{}: {}: {}", pos(n).str(), path, msg));
  }
  std::string scalar(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(n, path, "expected a single value (text or number)");
    return n.Scalar();
  }
  // yaml-cpp keeps every pair of a mapping but `n[key]` finds only the first, so a repeated
  // key (decision: allow ... decision: deny) would be dropped silently: refuse it instead.
  void no_duplicate_keys(const YAML::Node& map, const std::string& path) const {
    std::vector<std::pair<std::string, YAML::Node>> seen;
    for (const auto& kv : map) {
      std::string k = kv.first.IsScalar() ? trim(kv.first.Scalar()) : "";
      auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == k; });
      if (it != seen.end()) {
        FilePos first = pos(it->second);
        fail(kv.first, path, fmt::format("duplicate key '{}' (first at line {}, column {})", k, first.line, first.col));
      }
      seen.emplace_back(k, kv.first);
    }
  }

  Decisions read(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      // yaml-cpp reports an unclosed `{` or `[` (a truncated JSON file) near the start of
      // its line, but what is missing is at the end of the file.
      if (e.msg.find("flow not found") != std::string::npos) {
        auto [line, col] = end_of(text);
        throw Error(fmt::format("{}:{}:{}: the file ends before a {} is closed ({})", file_, line, col,
                                e.msg.find("map") != std::string::npos ? "'{'" : "'['", e.msg));
      }
      throw Error(fmt::format("{}:{}:{}: {}", file_, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    Decisions out;
    out.file = file_;
    if (root.IsNull()) return out;  // an empty file: no decisions yet
    if (!root.IsMap()) fail(root, "$", "expected a mapping with a 'decisions' list");
    if (root["format"] && root["format"].IsScalar() && root["format"].Scalar() == ev::kFormatName)
      throw Error(fmt::format("{} is evidence, not a review decisions file (evidence goes in the operands, decisions "
                              "after --review)", file_));
    if (root["defaultAction"] || (root["kind"] && root["kind"].IsScalar() && root["kind"].Scalar() == "SeccompProfile"))
      throw Error(fmt::format("{} is a seccomp profile, not a review decisions file", file_));
    no_duplicate_keys(root, "$");
    for (const auto& kv : root) {
      std::string k = kv.first.Scalar();
      if (k != "decisions") fail(kv.first, "$", fmt::format("unknown key '{}' (expected 'decisions')", k));
    }
    YAML::Node list = root["decisions"];
    if (!list || list.IsNull()) return out;
    if (!list.IsSequence()) fail(list, "decisions", "expected a list of decisions");
    for (size_t i = 0; i < list.size(); ++i) {
      if (undecided_ok_ && list[i].IsMap() && list[i]["decision"] && list[i]["decision"].IsScalar() &&
          trim(list[i]["decision"].Scalar()).empty()) {
        out.undecided.push_back(pos(list[i]));
        continue;
      }
      out.list.push_back(decision(list[i], fmt::format("decisions[{}]", i)));
    }
    return out;
  }

 private:
  Decision decision(const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) fail(n, path, "expected a mapping (syscall, decision, reason, ...)");
    Decision d;
    d.at = pos(n);
    no_duplicate_keys(n, path);
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys))
        fail(kv.first, path, fmt::format("unknown key '{}' ({})", k, fmt::join(kKeys, ", ")));
    }
    YAML::Node sc = n["syscall"];
    if (!sc) fail(n, path, "a decision needs a syscall");
    d.syscall = trim(scalar(sc, path + ".syscall"));
    const sys::SyscallInfo* info = sys::find(d.syscall);
    if (!info) fail(sc, path + ".syscall", fmt::format("unknown syscall '{}'", d.syscall));

    YAML::Node dn = n["decision"];
    if (!dn) fail(n, path, fmt::format("{}: a decision needs 'decision: allow' or 'decision: deny'", d.syscall));
    std::string dv = trim(scalar(dn, path + ".decision"));
    if (dv != "allow" && dv != "deny")
      fail(dn, path + ".decision", fmt::format("{}: decision must be allow or deny, not '{}'", d.syscall, dv));
    d.allow = dv == "allow";

    YAML::Node rn = n["reason"];
    if (rn && !rn.IsNull()) d.reason = trim(scalar(rn, path + ".reason"));
    if (d.reason.empty()) fail(rn ? rn : n, path + ".reason", fmt::format("{}: a decision needs a reason", d.syscall));

    for (const char* key : {"process", "phase", "by", "date"}) {
      YAML::Node v = n[key];
      if (!v || v.IsNull()) continue;
      std::string s = trim(scalar(v, path + "." + key));
      if (std::string_view(key) == "process") {
        d.process = s;
        d.process_real = resolve_process(s);
      } else if (std::string_view(key) == "phase") d.phase = s;
      else if (std::string_view(key) == "by") d.by = s;
      else d.date = s;
    }

    YAML::Node an = n["args"];
    if (an && !an.IsNull()) {
      if (!d.allow) fail(an, path + ".args", fmt::format("{}: args only make sense with allow", d.syscall));
      if (!an.IsMap()) fail(an, path + ".args", "expected a mapping {ARGUMENT: [VALUES]} (argument by index or name)");
      no_duplicate_keys(an, path + ".args");
      for (const auto& kv : an) d.args.push_back(arg(*info, kv.first, kv.second, path + ".args"));
      std::sort(d.args.begin(), d.args.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
      for (size_t i = 1; i < d.args.size(); ++i)
        if (d.args[i].index == d.args[i - 1].index)
          fail(an, path + ".args", fmt::format("{}: argument {} is given twice", d.syscall, d.args[i].name));
    }
    return d;
  }

  DecisionArg arg(const sys::SyscallInfo& info, const YAML::Node& key, const YAML::Node& values,
                  const std::string& path) {
    std::string k = trim(scalar(key, path));
    DecisionArg a;
    a.at = pos(key);
    int idx = info.arg_index(k);
    if (idx < 0 && !k.empty() && std::all_of(k.begin(), k.end(), ::isdigit)) {
      idx = std::stoi(k.substr(0, 3));
      if (static_cast<size_t>(idx) >= info.args.size())
        fail(key, path, fmt::format("{} has {} arguments: there is no index {}", info.name, info.args.size(), k));
    }
    if (idx < 0) {
      std::vector<std::string_view> names;
      for (const auto& ai : info.args) names.push_back(ai.name);
      fail(key, path, fmt::format("{} has no argument '{}' ({})", info.name, k, fmt::join(names, ", ")));
    }
    const sys::ArgInfo& ai = info.args[static_cast<size_t>(idx)];
    a.index = static_cast<unsigned>(idx);
    a.name = ai.name;
    std::string apath = fmt::format("{}.{}", path, k);
    if (ai.use != sys::ArgUse::eq && ai.use != sys::ArgUse::mask)
      fail(key, apath, fmt::format("{}: argument {} is not one syscribe filters (syscalls-tables/info.tsv)", info.name,
                                   ai.name));
    std::vector<YAML::Node> items;
    if (values.IsSequence())
      for (const auto& v : values) items.push_back(v);
    else
      items.push_back(values);
    if (items.empty()) fail(values, apath, "give at least one value");
    for (size_t i = 0; i < items.size(); ++i) {
      std::string t = trim(scalar(items[i], fmt::format("{}[{}]", apath, i)));
      // "CLONE_NEWUTS | CLONE_NEWIPC" reads as well as "CLONE_NEWUTS|CLONE_NEWIPC"; names hold no spaces.
      std::string compact;
      for (char c : t)
        if (c != ' ' && c != '\t') compact += c;
      auto v = sys::parse_value(ai.xlat, compact);
      if (!v)
        fail(items[i], fmt::format("{}[{}]", apath, i),
             fmt::format("'{}' is not a number or a name of {}{}", t, ai.name,
                         ai.xlat.empty() ? "" : fmt::format(" ({})", ai.xlat)));
      a.values.push_back(*v);
      a.texts.push_back(t);
    }
    return a;
  }

  std::string file_;
  bool undecided_ok_;
};

}  // namespace

std::string FilePos::str() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, col);
}

std::string Decision::label() const { return fmt::format("{} ({} {})", at.str(), allow ? "allow" : "deny", syscall); }

Decisions parse_decisions(const std::string& text, const std::string& file, bool undecided_ok) {
  return Reader(file, undecided_ok).read(text);
}

Decisions read_decisions(const std::string& path, bool undecided_ok) {
  return parse_decisions(read_file(path), path, undecided_ok);
}

}  // namespace syscribe::gen
