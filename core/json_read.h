// Helpers for reading JSON input files with errors that name the file and position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace syscribe {

// Parses `text` read from `file`; a syntax error throws Error "FILE:LINE:COL: message".
nlohmann::json parse_json_text(const std::string& text, const std::string& file);

// A JSON value plus where it sits ("FILE: $.processes[3].exe"), for validation messages.
class JsonAt {
 public:
  // `value` must outlive this JsonAt (it is not copied).
  JsonAt(const nlohmann::json& value, std::string file, std::string path = "$")
      : v_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const nlohmann::json& value() const { return *v_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

  // Throws Error "FILE: PATH: message" (exit 1).
  [[noreturn]] void fail(const std::string& message) const;

  JsonAt at(const std::string& key) const;     // required member
  bool has(const std::string& key) const;
  JsonAt at(size_t index) const;
  // The member, or a copy of `fallback` (owned by the returned JsonAt) when absent.
  JsonAt member(const std::string& key, const nlohmann::json& fallback) const;

  const nlohmann::json& object() const;  // checks type
  const nlohmann::json& array() const;
  std::string str() const;
  uint64_t u64() const;
  int64_t i64() const;
  double num() const;
  bool boolean() const;

 private:
  const nlohmann::json* v_;
  std::shared_ptr<const nlohmann::json> owned_;  // set when v_ points at a fallback copy
  std::string file_;
  std::string path_;
};

}  // namespace syscribe
