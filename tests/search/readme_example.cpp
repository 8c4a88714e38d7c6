// The README's "Calling from C++" snippet, compiled and run; the test also checks the README still shows
// exactly this code.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/search/launcher_args.hpp>
#include <cellsched/search/plan_text.hpp>
#include <cellsched/search/rank.hpp>

namespace {

/// Runs the snippet with std::cout captured in `out`.
cellsched::cell_search_result readme_snippet(std::ostream& out) {
  struct redirect {
    std::streambuf* old;
    explicit redirect(std::ostream& to) : old(std::cout.rdbuf(to.rdbuf())) {}
    ~redirect() { std::cout.rdbuf(old); }
  } capture(out);
  // README snippet begin
  // The GPUs this launcher was handed: two nodes with four A100-40GB each.
  cellsched::cluster handed("handed", cellsched::builtin_catalog());
  handed.add_nodes("a100-40gb", 2, 4);
  const cellsched::model m = cellsched::builtin_model_zoo().build("bert__2.6B");
  const cellsched::analytic_estimator est(cellsched::builtin_catalog());
  // Best plan over every stage count: dp x tp per stage, micro-batching, layer split, schedule, ZeRO-1.
  const cellsched::cell_search_result best =
      cellsched::search_allocation(est, m, handed, "a100-40gb", {4, 4}, /*global_batch=*/256);
  if (best.feasible)
    std::cout << cellsched::plan_summary(best.best_plan) << ": " << best.best_estimate.iter_time_s << " s/iteration\n"
              << cellsched::megatron_launch_args(m, best.where, best.best_plan).command_line() << "\n";
  // README snippet end
  return best;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Lines between two markers, each with its leading spaces removed.
std::string block(const std::string& text, const std::string& begin, const std::string& end) {
  const auto a = text.find(begin);
  const auto b = text.find(end, a == std::string::npos ? 0 : a);
  if (a == std::string::npos || b == std::string::npos) return {};
  std::istringstream in(text.substr(a + begin.size(), b - a - begin.size()));
  std::string line, out;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos) out += line.substr(first) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("the README's C++ example runs and prints a plan and a launch line") {
  std::ostringstream out;
  const auto best = readme_snippet(out);
  REQUIRE(best.feasible);
  CHECK(best.where.num_gpus == 8);
  CHECK_THAT(out.str(), Catch::Contains("s/iteration"));
  CHECK_THAT(out.str(), Catch::Contains("torchrun --nnodes 2 --nproc-per-node 4 --node-rank $NODE_RANK "
                                        "--master-addr $MASTER_ADDR --master-port $MASTER_PORT pretrain_gpt.py"));
}

TEST_CASE("the README shows exactly the code this test compiles") {
  const std::string here = read(std::string(CELLSCHED_SOURCE_DIR) + "/tests/search/readme_example.cpp");
  const std::string readme = read(std::string(CELLSCHED_SOURCE_DIR) + "/README.md");
  const std::string code = block(here, "// README snippet begin\n", "  // README snippet end");
  const auto section = readme.find("## Calling from C++");
  REQUIRE(section != std::string::npos);
  const std::string shown = block(readme.substr(section), "```cpp\n", "```\n");
  REQUIRE_FALSE(code.empty());
  CHECK(shown == code);
}
