#pragma once
// What kind of input a file holds, read from its content: a JSON document names its kind in a top-level
// "kind" field; a CSV file is recognised by its header row. Loaders call expect_kind() so a file given
// where another kind belongs fails with a clear message.
#include <array>
#include <cctype>
#include <concepts>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cellsched/error.hpp"
#include "cellsched/io/json_reader.hpp"

namespace cellsched::io {

enum class file_kind {
  cluster,       ///< JSON: nodes and their GPU types (docs/formats/cluster.md)
  gpu_types,     ///< JSON: user-defined GPU types
  model,         ///< JSON: one layer-list model
  model_zoo,     ///< JSON: a set of models
  job,           ///< JSON: one job
  trace,         ///< JSON ("trace" or "jobs") or CSV in the reference format: a list of jobs
  profile,       ///< JSON: a probe profile of one GPU type
  perf_table,    ///< JSON: a table of iteration times (the reference profile database, which has no "kind")
  measurements,  ///< CSV: measured iteration times in vTrain's column layout
  prices,        ///< JSON: USD per GPU-hour per GPU type, dated and sourced (docs/formats/prices.md)
};

inline constexpr std::array<std::pair<std::string_view, file_kind>, 11> file_kind_names{{
    {"cluster", file_kind::cluster},
    {"gpu_types", file_kind::gpu_types},
    {"model", file_kind::model},
    {"model_zoo", file_kind::model_zoo},
    {"job", file_kind::job},
    {"trace", file_kind::trace},
    {"jobs", file_kind::trace},
    {"profile", file_kind::profile},
    {"perf_table", file_kind::perf_table},
    {"measurements", file_kind::measurements},
    {"prices", file_kind::prices},
}};

[[nodiscard]] constexpr std::string_view to_string(file_kind k) noexcept {
  for (const auto& [name, kind] : file_kind_names)
    if (kind == k) return name;
  return "cluster";
}

[[nodiscard]] constexpr std::optional<file_kind> file_kind_from_name(std::string_view name) noexcept {
  for (const auto& [n, kind] : file_kind_names)
    if (n == name) return kind;
  return std::nullopt;
}

/// "cluster, gpu_types, ..." for error messages.
[[nodiscard]] inline std::string known_file_kinds() {
  std::string out;
  for (const auto& [name, kind] : file_kind_names) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

/// Reads the document's "kind" field and fails unless it names `expected` ("jobs" counts as "trace").
template <std::same_as<nlohmann::json> Json = nlohmann::json>
void expect_kind(basic_json_reader<Json>& r, file_kind expected) {
  const std::string kind = r.string("kind");
  const auto k = file_kind_from_name(kind);
  if (!k || *k != expected) {
    // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string temporaries.
    std::string msg("\"");
    msg.append(to_string(expected)).append("\" in a file loaded as one, got \"").append(kind).append("\"");
    r.fail("kind", msg);
  }
}

namespace detail {

[[nodiscard]] inline std::string trim_ascii(std::string s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

[[nodiscard]] inline std::vector<std::string> split_csv_header(const std::string& line) {
  std::vector<std::string> cols;
  std::stringstream ss(line);
  std::string col;
  while (std::getline(ss, col, ',')) cols.push_back(trim_ascii(col));
  return cols;
}

}  // namespace detail

/// The kind of a CSV file from its header row, or nullopt when the header is not one we know.
[[nodiscard]] inline std::optional<file_kind> csv_kind_from_header(const std::string& header_line) {
  const auto cols = detail::split_csv_header(header_line);
  auto has = [&](std::string_view c) {
    for (const auto& x : cols)
      if (x == c) return true;
    return false;
  };
  // The reference trace (docs/reference-simulator.md §1).
  if (has("job_id") && has("submission_time") && has("model_name") && has("batch_size")) return file_kind::trace;
  // vTrain's measurement layout, with or without the leading "Parameters (billion)" column.
  if (has("# GPUs") && has("iteration time (ms)")) return file_kind::measurements;
  return std::nullopt;
}

/// Detects the kind of the file at `path` from its content. Throws input_error naming the file.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] file_kind detect_file_kind(const std::string& path) {
  std::string text = read_text_file(path);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte-order mark
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first == text.size()) throw input_error(path, "", "a JSON document or a CSV file, got an empty file");

  if (text[first] == '{' || text[first] == '[') {
    const Json doc = parse_json_text<Json>(text, path);
    if (!doc.is_object())
      throw input_error(path, "<root>", std::string("a JSON object with a \"kind\" field, got ") + doc.type_name());
    const auto it = doc.find("kind");
    // The reference simulator's profile database (data/perf/arena-profile-db.json) predates our "kind"
    // field; its top-level table names it.
    if (it == doc.end() && doc.contains("optimal_iter_time_s")) return file_kind::perf_table;
    if (it == doc.end())
      throw input_error(path, "kind", "a field naming the file's kind (one of: " + known_file_kinds() + ")");
    if (!it->is_string())
      throw input_error(path, "kind", std::string("a string, got ") + it->type_name());
    const auto kind = file_kind_from_name(it->template get<std::string>());
    if (!kind)
      throw input_error(path, "kind",
                        "one of: " + known_file_kinds() + "; got \"" + it->template get<std::string>() + "\"");
    return *kind;
  }

  std::string header = text.substr(first, text.find('\n', first) - first);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  if (const auto kind = csv_kind_from_header(header)) return *kind;
  throw input_error(path, "", "a JSON document with a \"kind\" field, or a CSV file whose header is a known one "
                              "(trace: job_id,submission_time,num_iteration,model_name,deadline,batch_size,"
                              "num_gpu,gpu_type; measurements: vTrain's columns)", 1);
}

}  // namespace cellsched::io
