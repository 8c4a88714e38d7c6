#pragma once
// Runs the cellsched command-line tool (CELLSCHED_CLI, set by tests/CMakeLists.txt) the way a user does,
// capturing exit status, standard output and standard error. Shared by the CLI tests of every area.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cellsched::test {

struct cli_result {
  int status = -1;  ///< exit status, -1 when the tool did not exit normally (crash, signal)
  std::string out;
  std::string err;
};

[[nodiscard]] inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A temporary path unique to this process: ctest runs every test case as its own process, in
/// parallel, so fixed names in the temporary folder would be shared between concurrent cases.
[[nodiscard]] inline std::filesystem::path unique_temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
}

/// `cellsched <arguments>`; the captured streams go through files in `scratch`, which is created. The
/// file names carry the process id and a per-call counter, so concurrent callers never share them.
[[nodiscard]] inline cli_result run_cli(const std::string& arguments, const std::filesystem::path& scratch) {
  static std::atomic<unsigned> calls{0};
  std::filesystem::create_directories(scratch);
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(calls++);
  const auto out = scratch / ("stdout_" + tag + ".txt"), err = scratch / ("stderr_" + tag + ".txt");
  const std::string cmd = std::string(CELLSCHED_CLI) + " " + arguments + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  cli_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::error_code ignored;
  std::filesystem::remove(out, ignored);
  std::filesystem::remove(err, ignored);
  return r;
}

}  // namespace cellsched::test
