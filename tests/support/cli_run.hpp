#pragma once
// Runs the cellsched command-line tool (CELLSCHED_CLI, set by tests/CMakeLists.txt) the way a user does,
// capturing exit status, standard output and standard error. Shared by the CLI tests of every area.
#include <sys/wait.h>

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

/// `cellsched <arguments>`; the captured streams go through files in `scratch`, which is created.
[[nodiscard]] inline cli_result run_cli(const std::string& arguments, const std::filesystem::path& scratch) {
  std::filesystem::create_directories(scratch);
  const auto out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string cmd = std::string(CELLSCHED_CLI) + " " + arguments + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  cli_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace cellsched::test
