#pragma once
// Strict reading of JSON objects: every key must be known, every value of the expected type and range.
// A json_reader wraps one object and its field path; finish() rejects keys nobody asked for.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/error.hpp"

namespace cellsched::io {

using json = nlohmann::json;

/// The whole file as bytes; an unreadable file is an input_error naming it.
/// A missing file, a directory and a file that cannot be read each get their own message.
[[nodiscard]] inline std::string read_text_file(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found)
    throw input_error(path, "", "an existing file (no such file or directory)");
  if (st.type() == std::filesystem::file_type::directory)
    throw input_error(path, "", "a file, got a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "", "a readable file (cannot open it for reading: check its permissions)");
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw input_error(path, "", "a readable file (reading it failed)");
  return buf.str();
}

/// Parses a whole file as JSON; errors name the file (and byte position for syntax errors).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json load_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return Json::parse(text);
  } catch (const typename Json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw input_error(path, "", std::string("valid JSON (") + e.what() + ")");
  }
}

/// Parses JSON text; `origin` names where it came from in error messages.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json parse_json_text(const std::string& text, const std::string& origin) {
  try {
    return Json::parse(text);
  } catch (const typename Json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw input_error(origin, "", std::string("valid JSON (") + e.what() + ")");
  }
}

/// Writes a document as indented JSON (2 spaces) with a final newline; failure names the file.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_json_file(const Json& doc, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw input_error(path, "", "a path that can be opened for writing");
  out << doc.dump(2) << '\n';
  if (!out.flush()) throw input_error(path, "", "a path that can be written completely");
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] const char* json_type_name(const Json& v) {
  return v.type_name();
}

template <class Json>
class basic_json_reader {
 public:
  basic_json_reader(const Json& obj, std::string file, std::string path)
      : obj_(obj), file_(std::move(file)), path_(std::move(path)) {
    if (!obj_.is_object())
      throw input_error(file_, path_.empty() ? "<root>" : path_,
                        std::string("a JSON object, got ") + json_type_name<Json>(obj_));
  }

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  [[nodiscard]] bool has(const std::string& key) const { return obj_.contains(key); }
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    throw input_error(file_, field(key), expected);
  }

  /// The raw value of a required key.
  [[nodiscard]] const Json& raw(const std::string& key) {
    used_.insert(key);
    auto it = obj_.find(key);
    if (it == obj_.end()) fail(key, "a required field, which is missing");
    return *it;
  }
  /// The raw value of an optional key, or nullptr when absent.
  [[nodiscard]] const Json* raw_optional(const std::string& key) {
    used_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }

  [[nodiscard]] std::string string(const std::string& key) { return as_string(key, raw(key)); }
  [[nodiscard]] std::string string_or(const std::string& key, std::string def) {
    const Json* v = raw_optional(key);
    return v ? as_string(key, *v) : def;
  }
  [[nodiscard]] bool boolean(const std::string& key) { return as_bool(key, raw(key)); }
  [[nodiscard]] bool boolean_or(const std::string& key, bool def) {
    const Json* v = raw_optional(key);
    return v ? as_bool(key, *v) : def;
  }

  /// A finite number in [lo, hi].
  [[nodiscard]] double number(const std::string& key, double lo = -std::numeric_limits<double>::max(),
                              double hi = std::numeric_limits<double>::max()) {
    return as_number(key, raw(key), lo, hi);
  }
  [[nodiscard]] double number_or(const std::string& key, double def,
                                 double lo = -std::numeric_limits<double>::max(),
                                 double hi = std::numeric_limits<double>::max()) {
    const Json* v = raw_optional(key);
    return v ? as_number(key, *v, lo, hi) : def;
  }
  /// A strictly positive finite number.
  [[nodiscard]] double positive(const std::string& key) {
    const double v = number(key);
    if (!(v > 0.0)) fail(key, "a number > 0, got " + format_number(v));
    return v;
  }
  [[nodiscard]] double positive_or(const std::string& key, double def) {
    return has(key) ? positive(key) : (used_.insert(key), def);
  }
  [[nodiscard]] double non_negative(const std::string& key) { return number(key, 0.0); }

  /// An integer in [lo, hi] (rejects 1.5, "3", true).
  [[nodiscard]] std::int64_t integer(const std::string& key,
                                     std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                     std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
    return as_integer(key, raw(key), lo, hi);
  }
  [[nodiscard]] std::int64_t integer_or(const std::string& key, std::int64_t def,
                                        std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                        std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
    const Json* v = raw_optional(key);
    return v ? as_integer(key, *v, lo, hi) : def;
  }

  /// A required array; returns it for the caller to walk with element paths `key[i]`.
  [[nodiscard]] const Json& array(const std::string& key, bool allow_empty = false) {
    const Json& v = raw(key);
    if (!v.is_array()) fail(key, std::string("an array, got ") + json_type_name<Json>(v));
    if (!allow_empty && v.empty()) fail(key, "a non-empty array");
    return v;
  }
  [[nodiscard]] basic_json_reader object(const std::string& key) {
    return basic_json_reader(raw(key), file_, field(key));
  }
  [[nodiscard]] std::string element_path(const std::string& key, std::size_t i) const {
    return field(key) + "[" + std::to_string(i) + "]";
  }

  /// Rejects every key that was not read. Call after reading all fields.
  void finish() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!used_.count(it.key())) {
        std::string known;
        for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
        throw input_error(file_, field(it.key()), "a known field (unknown key; known: " + known + ")");
      }
    }
  }

  // Conversions usable on array elements too.
  [[nodiscard]] std::string as_string(const std::string& key, const Json& v) const {
    if (!v.is_string()) fail(key, std::string("a string, got ") + json_type_name<Json>(v));
    return v.template get<std::string>();
  }
  [[nodiscard]] bool as_bool(const std::string& key, const Json& v) const {
    if (!v.is_boolean()) fail(key, std::string("true or false, got ") + json_type_name<Json>(v));
    return v.template get<bool>();
  }
  [[nodiscard]] double as_number(const std::string& key, const Json& v, double lo, double hi) const {
    if (!v.is_number()) fail(key, std::string("a number, got ") + json_type_name<Json>(v));
    const double d = v.template get<double>();
    if (!std::isfinite(d)) fail(key, "a finite number");
    if (d < lo || d > hi)
      fail(key, "a number in [" + format_number(lo) + ", " + format_number(hi) + "], got " + format_number(d));
    return d;
  }
  [[nodiscard]] std::int64_t as_integer(const std::string& key, const Json& v, std::int64_t lo, std::int64_t hi) const {
    std::int64_t i = 0;
    if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.template get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
        fail(key, "an integer <= " + std::to_string(hi));
      i = v.template get<std::int64_t>();
    } else if (v.is_number_float()) {
      const double d = v.template get<double>();
      if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15)
        fail(key, "an integer, got " + format_number(d));
      i = static_cast<std::int64_t>(d);
    } else {
      fail(key, std::string("an integer, got ") + json_type_name<Json>(v));
    }
    if (i < lo || i > hi)
      fail(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(i));
    return i;
  }

  [[nodiscard]] static std::string format_number(double d) {
    std::ostringstream os;
    os.precision(10);
    os << d;
    return os.str();
  }

 private:
  const Json& obj_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

/// The reader of nlohmann::json objects every loader uses.
using json_reader = basic_json_reader<nlohmann::json>;

}  // namespace cellsched::io
