#pragma once
// Traces: lists of jobs, read from the reference simulator's CSV (docs/reference-simulator.md §1; columns
// job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type) or from JSON
// {"kind":"trace","jobs":[...]}, and written back in either form (docs/formats/trace.md).
// CSV values are kept as in the file (seconds, iterations, samples); `trace_options::iteration_divisor`
// applies the reference simulator's divide-by-5 when a caller wants its semantics.
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cellsched/io/error.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/cell/job.hpp"

namespace cellsched::io {

struct trace_options {
  /// Every job's iterations are divided by this (integer division) as loaded, CSV and JSON alike.
  /// 1 keeps the file's values. The reference simulator uses 5 for its Philly trace, whose generator
  /// multiplied the iteration counts by 5 (docs/reference-simulator.md §1). A job left with 0 iterations is an
  /// error.
  int iteration_divisor = 1;
  job_checks checks{};
};

/// Largest submission time or deadline a CSV trace may hold: every integer up to it is exact in a double
/// (2^53 is about 9.007e15), and trace_csv_text writes times up to it.
inline constexpr std::int64_t max_csv_time_s = 9'000'000'000'000'000;

/// The reference trace's header, in order.
inline constexpr std::string_view trace_csv_header =
    "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type";

namespace trace_detail {

inline constexpr std::size_t csv_columns = 8;
inline constexpr const char* column_names[csv_columns] = {"job_id",   "submission_time", "num_iteration",
                                                          "model_name", "deadline",      "batch_size",
                                                          "num_gpu",  "gpu_type"};

[[nodiscard]] inline std::vector<std::string> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

[[nodiscard]] inline std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

/// Reads one CSV row into a job; every error names the file, the line and the column.
class row_reader {
 public:
  row_reader(const std::string& file, std::size_t line, std::vector<std::string> fields)
      : file_(file), line_(line), fields_(std::move(fields)) {}

  /// `expected`, then the offending text, then `detail` (e.g. the list of known names).
  [[noreturn]] void fail(std::size_t col, const std::string& expected, const std::string& detail = "") const {
    throw input_error(file_, column_names[col], expected + ", got \"" + fields_[col] + "\"" + detail, line_);
  }
  [[nodiscard]] const std::string& text(std::size_t col) const { return fields_[col]; }
  [[nodiscard]] bool empty(std::size_t col) const { return fields_[col].empty(); }
  [[nodiscard]] std::string token(std::size_t col) const {
    if (!job_detail::valid_utf8(fields_[col]))
      fail(col, "text in UTF-8 (the field holds bytes that are not UTF-8, e.g. Latin-1; re-encode the file)");
    if (!job_detail::plain_token(fields_[col]))
      fail(col, "a non-empty name without spaces, quotes or control characters");
    return fields_[col];
  }
  [[nodiscard]] std::int64_t integer(std::size_t col, std::int64_t lo,
                                     std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const {
    const std::string& s = fields_[col];
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) fail(col, "an integer");
    if (v < lo) fail(col, "an integer >= " + std::to_string(lo));
    if (v > hi) fail(col, "an integer <= " + std::to_string(hi));
    return v;
  }
  /// Seconds: a finite decimal number in [lo, hi], fractions allowed (the reference simulator's Venus and
  /// PAI traces write times such as 1591672193.176). NaN, infinities and hexadecimal are refused.
  [[nodiscard]] double seconds(std::size_t col, double lo, double hi) const {
    const std::string& s = fields_[col];
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
      fail(col, "a number of seconds (digits, optionally a fraction)");
    if (v < lo) fail(col, "a number of seconds >= " + std::to_string(static_cast<std::int64_t>(lo)));
    if (v > hi) fail(col, "a number of seconds <= " + std::to_string(static_cast<std::int64_t>(hi)));
    return v;
  }

 private:
  const std::string& file_;
  std::size_t line_;
  std::vector<std::string> fields_;
};

/// Applies the divisor; the result must keep at least one iteration.
inline void divide_iterations(job& j, int divisor, const std::string& file, const std::string& field, std::size_t line) {
  if (divisor == 1) return;
  if (j.iterations < divisor)
    throw input_error(file, field,
                      "at least iteration_divisor (" + std::to_string(divisor) + ") iterations, got " +
                          std::to_string(j.iterations),
                      line);
  j.iterations /= divisor;
}

inline void check_divisor(const trace_options& o) {
  if (o.iteration_divisor < 1) throw std::invalid_argument("trace_options::iteration_divisor must be >= 1");
}

}  // namespace trace_detail

/// Parses reference-format CSV text; `origin` names the file in errors (lines are 1-based, header = 1).
[[nodiscard]] inline std::vector<job> parse_trace_csv(std::string_view text, const std::string& origin,
                                                      const trace_options& options = {}) {
  using namespace trace_detail;
  check_divisor(options);
  const auto lines = split_lines(text);
  if (lines.empty() || lines[0] != trace_csv_header)
    throw input_error(origin, "<header>", "the header row " + std::string(trace_csv_header), 1);
  std::vector<job> jobs;
  std::map<std::string, std::size_t, std::less<>> first_line;  // job id -> line
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t line_no = i + 1;
    if (lines[i].empty()) {
      if (i + 1 == lines.size()) break;  // the file's final newline
      throw input_error(origin, "", "a data row, got an empty line", line_no);
    }
    auto fields = split_fields(lines[i]);
    if (fields.size() != csv_columns)
      throw input_error(origin, "", std::to_string(csv_columns) + " comma-separated columns, got " +
                                        std::to_string(fields.size()), line_no);
    const row_reader row(origin, line_no, std::move(fields));
    job j;
    j.id = row.token(0);
    if (const auto it = first_line.find(j.id); it != first_line.end())
      row.fail(0, "a job_id not used earlier (first used on line " + std::to_string(it->second) + ")");
    j.submit_time_s = row.seconds(1, 0.0, static_cast<double>(max_csv_time_s));
    j.iterations = row.integer(2, 1);
    j.model = row.token(3);
    if (options.checks.models && !options.checks.models->contains(j.model))
      row.fail(3, "a model name known to the model zoo", " (known: " + options.checks.models->known_names() + ")");
    if (!row.empty(4)) {
      const double deadline = row.seconds(4, 0.0, static_cast<double>(max_csv_time_s));
      if (deadline < j.submit_time_s) row.fail(4, "a deadline >= submission_time");
      j.deadline_s = deadline;
    }
    j.global_batch = row.integer(5, 1);
    if (!row.empty(6)) {
      const std::int64_t n = row.integer(6, 1);
      if (n > max_requested_gpus) row.fail(6, "at most " + std::to_string(max_requested_gpus) + " GPUs");
      j.requested_gpus = static_cast<int>(n);
    }
    if (!row.empty(7)) {
      const std::string name = row.token(7);
      j.requested_gpu_type = canonical_gpu_name(options.checks.gpus, name);
      if (j.requested_gpu_type->empty())
        row.fail(7, "a GPU type known to the catalog (name or alias)",
                 " (known: " + job_detail::known_gpus(*options.checks.gpus) + ")");
    }
    divide_iterations(j, options.iteration_divisor, origin, "num_iteration", line_no);
    first_line.emplace(j.id, line_no);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

/// A {"kind":"trace"} (or "jobs") document. Job ids must be unique.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::vector<job> parse_trace_json(const Json& doc, const std::string& origin,
                                                const trace_options& options = {}) {
  trace_detail::check_divisor(options);
  basic_json_reader<Json> r(doc, origin, "");
  expect_kind<Json>(r, file_kind::trace);
  const Json& arr = r.array("jobs", true);
  r.finish();
  std::vector<job> jobs;
  std::map<std::string, std::size_t, std::less<>> first_index;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string path = r.element_path("jobs", i);
    job j = parse_job<Json>(arr[i], origin, path, options.checks);
    if (const auto it = first_index.find(j.id); it != first_index.end())
      throw input_error(origin, path + ".id",
                        "a job id not used earlier (first used by jobs[" + std::to_string(it->second) + "]), got \"" +
                            j.id + "\"");
    trace_detail::divide_iterations(j, options.iteration_divisor, origin, path + ".iterations", 0);
    first_index.emplace(j.id, i);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

/// Loads a trace from CSV (recognised by its header) or JSON (recognised by a leading '{').
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::vector<job> load_trace_file(const std::string& path, const trace_options& options = {}) {
  std::string text = read_text_file(path);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte-order mark
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '['))
    return parse_trace_json<Json>(parse_json_text<Json>(text, path), path, options);
  return parse_trace_csv(text, path, options);
}

/// A {"kind":"trace"} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json trace_to_json(const std::vector<job>& jobs) {
  Json doc;
  doc["kind"] = "trace";
  doc["jobs"] = Json::array();
  for (const auto& j : jobs) doc["jobs"].push_back(to_json<Json>(j));
  return doc;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_trace_file(const std::vector<job>& jobs, const std::string& path) {
  save_json_file<Json>(trace_to_json<Json>(jobs), path);
}

/// The reference CSV text. Times are written as whole seconds when they are whole and otherwise in the
/// shortest decimal form that reads back to the same double. The format has no weight, queue or labels
/// column: a job with a weight other than 1, a queue or labels, or a negative or non-finite time, throws std::invalid_argument (save it as
/// JSON instead).
[[nodiscard]] inline std::string trace_csv_text(const std::vector<job>& jobs) {
  auto seconds = [](double s, const job& j, const char* what) {
    if (!(s >= 0.0) || s > static_cast<double>(max_csv_time_s))
      throw std::invalid_argument("job " + j.id + ": " + what + " is not a number of seconds in [0, 9e15]; "
                                  "the reference CSV cannot hold it (save the trace as JSON)");
    if (s == std::floor(s)) return std::to_string(static_cast<std::int64_t>(s));
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, s, std::chars_format::fixed);
    return std::string(buf, res.ptr);
  };
  std::string out(trace_csv_header);
  out += '\n';
  for (const auto& j : jobs) {
    if (j.weight != 1.0)
      throw std::invalid_argument("job " + j.id + ": the reference CSV has no weight column (save the trace as JSON)");
    if (!j.queue.empty() || !j.labels.empty())
      throw std::invalid_argument("job " + j.id +
                                  ": the reference CSV has no queue or labels column (save the trace as JSON)");
    out += j.id + ',' + seconds(j.submit_time_s, j, "submit_time_s") + ',' + std::to_string(j.iterations) + ',' +
           j.model + ',' + (j.deadline_s ? seconds(*j.deadline_s, j, "deadline_s") : std::string()) + ',' +
           std::to_string(j.global_batch) + ',' + (j.requested_gpus > 0 ? std::to_string(j.requested_gpus) : "") +
           ',' + j.requested_gpu_type.value_or("") + '\n';
  }
  return out;
}

inline void write_trace_csv(const std::vector<job>& jobs, const std::string& path) {
  const std::string text = trace_csv_text(jobs);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw input_error(path, "", "a path that can be opened for writing");
  out << text;
  if (!out.flush()) throw input_error(path, "", "a path that can be written completely");
}

}  // namespace cellsched::io
