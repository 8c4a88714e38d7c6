#pragma once
// Published measurement tables in vTrain's CSV layout (github.com/VIA-Research/vTrain, data/*.csv):
//   [Parameters (billion),] # GPUs, global batch, micro batch, hidden size, attention heads, # layers,
//   sequence length, tensor parallelism, data parallelism, pipeline parallelism, iteration time (ms)
// optionally followed by any of these columns, in any order (absent: the table's measurement_setup):
//   virtual stages, recompute (none|selective|full), sequence parallel (yes|no),
//   overlap grad reduce (yes|no), gpu type, vocabulary, dtype (fp16|bf16|fp8), gpus per node,
//   software (a named software stack, estimate/software_stack.hpp)
// The reader is strict: wrong header, an unknown column, wrong column count, non-numbers, non-positive
// values are errors naming the file, the column and the line.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cellsched/error.hpp"
#include "cellsched/estimate/software_stack.hpp"

namespace cellsched {

struct measurement_row {
  std::size_t line = 0;         ///< 1-based line in the file
  double params_billion = 0.0;  ///< 0 when the table has no such column
  std::int64_t gpus = 0;
  std::int64_t global_batch = 0;
  std::int64_t micro_batch = 0;  ///< per data-parallel replica (Megatron-LM's --micro-batch-size)
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t layers = 0;
  std::int64_t seq_len = 0;
  std::int64_t tp = 0;
  std::int64_t dp = 0;
  std::int64_t pp = 0;
  double iter_time_ms = 0.0;
  // Optional columns; empty / 0 = the measurement_setup's value.
  std::int64_t virtual_stages = 0;  ///< model chunks per GPU (interleaved 1F1B); 0 = 1
  std::string recompute;            ///< "none", "selective" or "full"
  std::string sequence_parallel;    ///< "yes" or "no"
  std::string overlap_grad_reduce;  ///< "yes" or "no"
  std::string gpu_type;
  std::int64_t vocab = 0;
  std::string dtype;  ///< "fp16", "bf16" or "fp8"
  std::int64_t gpus_per_node = 0;
  std::string software;  ///< a named software stack; empty = the setup's
};

namespace measurement_detail {

inline const std::vector<std::string>& columns() {
  static const std::vector<std::string> c = {"# GPUs",
                                             "global batch",
                                             "micro batch",
                                             "hidden size",
                                             "attention heads",
                                             "# layers",
                                             "sequence length",
                                             "tensor parallelism",
                                             "data parallelism",
                                             "pipeline parallelism",
                                             "iteration time (ms)"};
  return c;
}
inline const std::string params_column = "Parameters (billion)";

/// The optional columns that may follow the 11 above, in any order.
inline const std::vector<std::string>& optional_columns() {
  static const std::vector<std::string> c = {"virtual stages",      "recompute", "sequence parallel",
                                             "overlap grad reduce", "gpu type",  "vocabulary",
                                             "dtype",               "gpus per node",
                                             "software"};
  return c;
}

[[nodiscard]] inline std::string one_of(const std::string& text, const std::vector<std::string>& allowed,
                                        const std::string& file, const std::string& column, std::size_t line) {
  std::string want;
  for (const auto& a : allowed) {
    if (text == a) return text;
    want += (want.empty() ? "" : "|") + a;
  }
  throw input_error(file, column, want + ", got '" + text + "'", line);
}

[[nodiscard]] inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

[[nodiscard]] inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (const char ch : line) {
    if (ch == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  out.push_back(trim(cur));
  return out;
}

[[nodiscard]] inline double parse_number(const std::string& text, const std::string& file, const std::string& column,
                                         std::size_t line) {
  std::size_t pos = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw input_error(file, column, "a number, got '" + text + "'", line);
  }
  if (pos != text.size() || !std::isfinite(v))
    throw input_error(file, column, "a finite number, got '" + text + "'", line);
  if (v <= 0.0) throw input_error(file, column, "a value > 0, got '" + text + "'", line);
  return v;
}

[[nodiscard]] inline std::int64_t parse_count(const std::string& text, const std::string& file,
                                              const std::string& column, std::size_t line) {
  const double v = parse_number(text, file, column, line);
  if (v != std::floor(v) || v > 1e15) throw input_error(file, column, "a positive integer, got '" + text + "'", line);
  return static_cast<std::int64_t>(v);
}

}  // namespace measurement_detail

/// Parses a measurement table from `text`; `file` names it in errors.
[[nodiscard]] inline std::vector<measurement_row> parse_measurements_csv(const std::string& text,
                                                                         const std::string& file = "") {
  using namespace measurement_detail;
  std::istringstream in(text);
  std::string line;
  std::size_t line_no = 0;
  bool have_header = false, with_params = false;
  std::vector<std::string> extra;  // names of the optional columns present, in file order
  std::vector<measurement_row> rows;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark
    if (trim(line).empty()) continue;
    const std::vector<std::string> cells = split(line);
    if (!have_header) {
      const auto& want = columns();
      with_params = !cells.empty() && cells[0] == params_column;
      const std::size_t offset = with_params ? 1 : 0;
      if (cells.size() < want.size() + offset)
        throw input_error(file, "header",
                          "the " + std::to_string(want.size()) +
                              " vTrain columns (optionally after 'Parameters (billion)'), got " +
                              std::to_string(cells.size()) + " columns",
                          line_no);
      for (std::size_t i = want.size() + offset; i < cells.size(); ++i) {
        const auto& opt = optional_columns();
        if (std::find(opt.begin(), opt.end(), cells[i]) == opt.end())
          throw input_error(file, "header",
                            "column " + std::to_string(i + 1) + " to be one of the optional columns, got unknown '" +
                                cells[i] + "'",
                            line_no);
        if (std::find(extra.begin(), extra.end(), cells[i]) != extra.end())
          throw input_error(file, "header", "column '" + cells[i] + "' once, got it twice", line_no);
        extra.push_back(cells[i]);
      }
      for (std::size_t i = 0; i < want.size(); ++i)
        if (cells[i + offset] != want[i])
          throw input_error(
              file, "header",
              "column " + std::to_string(i + offset + 1) + " named '" + want[i] + "', got '" + cells[i + offset] + "'",
              line_no);
      have_header = true;
      continue;
    }
    const std::size_t offset = with_params ? 1 : 0;
    if (cells.size() != columns().size() + offset + extra.size())
      throw input_error(file, "row",
                        std::to_string(columns().size() + offset + extra.size()) + " comma-separated values, got " +
                            std::to_string(cells.size()),
                        line_no);
    measurement_row r;
    r.line = line_no;
    if (with_params) r.params_billion = parse_number(cells[0], file, params_column, line_no);
    const auto& c = columns();
    const auto count = [&](std::size_t i) { return parse_count(cells[i + offset], file, c[i], line_no); };
    r.gpus = count(0);
    r.global_batch = count(1);
    r.micro_batch = count(2);
    r.hidden = count(3);
    r.heads = count(4);
    r.layers = count(5);
    r.seq_len = count(6);
    r.tp = count(7);
    r.dp = count(8);
    r.pp = count(9);
    r.iter_time_ms = parse_number(cells[10 + offset], file, c[10], line_no);
    for (std::size_t j = 0; j < extra.size(); ++j) {
      const std::string& name = extra[j];
      const std::string& v = cells[11 + offset + j];
      if (name == "virtual stages") r.virtual_stages = parse_count(v, file, name, line_no);
      else if (name == "recompute") r.recompute = one_of(v, {"none", "selective", "full"}, file, name, line_no);
      else if (name == "sequence parallel") r.sequence_parallel = one_of(v, {"yes", "no"}, file, name, line_no);
      else if (name == "overlap grad reduce") r.overlap_grad_reduce = one_of(v, {"yes", "no"}, file, name, line_no);
      else if (name == "gpu type") {
        if (v.empty()) throw input_error(file, name, "a GPU type name", line_no);
        r.gpu_type = v;
      } else if (name == "vocabulary") r.vocab = parse_count(v, file, name, line_no);
      else if (name == "dtype") r.dtype = one_of(v, {"fp16", "bf16", "fp8"}, file, name, line_no);
      else if (name == "gpus per node") r.gpus_per_node = parse_count(v, file, name, line_no);
      else if (name == "software") {
        if (!find_software_stack(v)) throw input_error(file, name, software_stack_names() + ", got '" + v + "'", line_no);
        r.software = v;
      }
    }
    rows.push_back(r);
  }
  if (!have_header) throw input_error(file, "header", "a header line with the vTrain columns; the file is empty");
  return rows;
}

/// A missing file, a folder and an unreadable file get the same messages as every other input
/// (io::read_text_file).
[[nodiscard]] inline std::vector<measurement_row> load_measurements_file(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found)
    throw input_error(path, "", "an existing file (no such file or directory)");
  if (st.type() == std::filesystem::file_type::directory) throw input_error(path, "", "a file, got a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error(path, "", "a readable file (cannot open it for reading: check its permissions)");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_measurements_csv(ss.str(), path);
}

}  // namespace cellsched
