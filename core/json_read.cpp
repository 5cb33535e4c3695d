#include "core/json_read.h"

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe {

nlohmann::json parse_json_text(const std::string& text, const std::string& file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    size_t line = 1, col = 1;
    size_t end = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
    auto colon = what.find(": ", what.find("parse error"));
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    throw Error(fmt::format("{}:{}:{}: invalid JSON: {}", file, line, col, detail));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double ("1E400"); nlohmann gives no position for it.
    std::string what = e.what();
    auto pos = what.find("] ");
    throw Error(fmt::format("{}: invalid JSON: {}", file, pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

void JsonAt::fail(const std::string& message) const {
  throw Error(fmt::format("{}: {}: {}", file_, path_, message));
}

static std::string type_of(const nlohmann::json& v) { return v.type_name(); }

const nlohmann::json& JsonAt::object() const {
  if (!v_->is_object()) fail("expected an object, found " + type_of(*v_));
  return *v_;
}

const nlohmann::json& JsonAt::array() const {
  if (!v_->is_array()) fail("expected an array, found " + type_of(*v_));
  return *v_;
}

bool JsonAt::has(const std::string& key) const { return object().contains(key); }

JsonAt JsonAt::at(const std::string& key) const {
  const auto& o = object();
  auto it = o.find(key);
  if (it == o.end()) fail(fmt::format("missing member \"{}\"", key));
  JsonAt r(*it, file_, path_ + "." + key);
  r.owned_ = owned_;  // children of a fallback copy keep it alive
  return r;
}

JsonAt JsonAt::member(const std::string& key, const nlohmann::json& fallback) const {
  const auto& o = object();
  auto it = o.find(key);
  if (it == o.end()) {
    auto copy = std::make_shared<const nlohmann::json>(fallback);
    JsonAt r(*copy, file_, path_ + "." + key);
    r.owned_ = std::move(copy);
    return r;
  }
  JsonAt r(*it, file_, path_ + "." + key);
  r.owned_ = owned_;
  return r;
}

JsonAt JsonAt::at(size_t index) const {
  JsonAt r(array().at(index), file_, fmt::format("{}[{}]", path_, index));
  r.owned_ = owned_;
  return r;
}

std::string JsonAt::str() const {
  if (!v_->is_string()) fail("expected a string, found " + type_of(*v_));
  return v_->get<std::string>();
}

uint64_t JsonAt::u64() const {
  if (!v_->is_number_unsigned()) {
    if (v_->is_number_integer()) {
      if (v_->get<int64_t>() >= 0) return static_cast<uint64_t>(v_->get<int64_t>());
      fail("expected a non-negative integer");
    }
    fail("expected an integer, found " + type_of(*v_));
  }
  return v_->get<uint64_t>();
}

int64_t JsonAt::i64() const {
  if (!v_->is_number_integer()) fail("expected an integer, found " + type_of(*v_));
  if (v_->is_number_unsigned() && v_->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail("integer out of range");
  return v_->get<int64_t>();
}

double JsonAt::num() const {
  if (!v_->is_number()) fail("expected a number, found " + type_of(*v_));
  return v_->get<double>();
}

bool JsonAt::boolean() const {
  if (!v_->is_boolean()) fail("expected true or false, found " + type_of(*v_));
  return v_->get<bool>();
}

}  // namespace syscribe
