#pragma once
// The exceptions cellsched throws on purpose, under one base so a host can catch them all at once:
//
//   cellsched::error               (std::runtime_error)
//   ├── input_error                bad input: names the file, the field path (and CSV line), what was expected
//   ├── internal_error             a bug: a broken invariant inside the library, or a policy's invalid decision
//   ├── policy_state_error         a saved policy state that cannot be loaded (schedule/policy_state.hpp)
//   └── probe::cuda_error          a failed CUDA/cuBLAS/NCCL call (probe/cuda_check.cuh, CUDA builds only)
//
// "No feasible plan" and "job cannot be placed" are normal results, returned and never thrown.
// The command-line tool exits 2 for bad input and 3 for an internal error (README.md).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace cellsched {

/// Base of every exception the library throws on purpose.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A bug, not bad input: the library found one of its own invariants broken (for example a policy
/// returned a decision that double-books a GPU, or a job the scheduler state does not know).
class internal_error : public error {
 public:
  using error::error;
};

/// Bad input: the message names the file, the field path (and CSV line) and what was expected.
class input_error : public error {
 public:
  input_error(std::string file, std::string field, std::string expected, std::size_t line = 0)
      : error(compose(file, field, expected, line)),
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
  static std::string compose(const std::string& file, const std::string& field, const std::string& expected,
                             std::size_t line) {
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
