#pragma once
// The one exception type for bad input: it names the file, the field path (and CSV line) and what was
// expected. "No feasible plan" and "cannot be placed" are normal results and never thrown.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace cellsched {

class input_error : public std::runtime_error {
 public:
  input_error(std::string file, std::string field, std::string expected, std::size_t line = 0)
      : std::runtime_error(compose(file, field, expected, line)),
        file_(std::move(file)),
        field_(std::move(field)),
        expected_(std::move(expected)),
        line_(line) {}

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] const std::string& field() const noexcept { return field_; }
  [[nodiscard]] const std::string& expected() const noexcept { return expected_; }
  /// 1-based line for CSV input, 0 when not applicable.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  static std::string compose(const std::string& file, const std::string& field,
                             const std::string& expected, std::size_t line) {
    std::string msg;
    msg.reserve(file.size() + field.size() + expected.size() + 32);
    msg.append(file.empty() ? std::string("<input>") : file);
    if (line > 0) msg.append(":").append(std::to_string(line));
    if (!field.empty()) msg.append(": field '").append(field).append("'");
    msg.append(": ").append(expected);
    return msg;
  }
  std::string file_;
  std::string field_;
  std::string expected_;
  std::size_t line_;
};

}  // namespace cellsched
