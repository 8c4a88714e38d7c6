// Command-line arguments of the cellsched tool: the input's lines are argv. The shared parser (args.hpp)
// and the per-command value parsers (--gpu-counts, --failures, --policy, --dtype, the --cell request)
// either accept or throw usage_error (input_error where a value names a model the zoo lacks).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cmd_plan.hpp"
#include "cmd_simulate.hpp"
#include "fuzz_support.hpp"
#include "probe_cell.hpp"

namespace {

using cellsched::cli::usage_error;

// The union of every subcommand's flags (examples/cli/cmd_*.hpp); args only tests membership.
const std::set<std::string> valued = {"--batch",
                                      "--budget-s",
                                      "--cluster",
                                      "--csv",
                                      "--dp",
                                      "--dtype",
                                      "--failures",
                                      "--global-batch",
                                      "--gpu-counts",
                                      "--gpu-type",
                                      "--gpus",
                                      "--iteration-divisor",
                                      "--job",
                                      "--jobs",
                                      "--json",
                                      "--layouts",
                                      "--max-stages",
                                      "--measurements",
                                      "--micro-batch",
                                      "--model",
                                      "--model-file",
                                      "--nodes",
                                      "--out",
                                      "--perf-table",
                                      "--plots",
                                      "--policy",
                                      "--pp",
                                      "--profile",
                                      "--profiles",
                                      "--round-seconds",
                                      "--rounds",
                                      "--schedule",
                                      "--stage",
                                      "--stage-gpu-type",
                                      "--stage-measurements",
                                      "--top",
                                      "--tp",
                                      "--trace"};
const std::set<std::string> switches = {"--cell",      "--exact-restarts", "--full",  "--help",
                                        "--hetero",    "--per-allocation", "--quick", "--quiet",
                                        "--recompute", "--no-recompute",   "--zero1"};

[[nodiscard]] std::vector<std::string> split_argv(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

[[nodiscard]] const cellsched::cluster& small_cluster() {
  static const cellsched::cluster c = [] {
    cellsched::cluster out("fuzz", cellsched::builtin_catalog());
    out.add_nodes("a100-80gb", 4, 8);
    return out;
  }();
  return c;
}

template <class Fn>
void usage_or_value(Fn&& fn) {
  (void)cellsched::fuzz::value_or_rejected<usage_error>([&] {
    (void)fn();
    return 0;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  using namespace cellsched::cli;
  const auto a = fuzz::value_or_rejected<usage_error>(
      [&] { return args(split_argv(fuzz::as_text(data, size)), valued, switches); });
  if (!a) return 0;
  for (const std::string& key : valued) {
    if (!a->has(key)) continue;
    const std::string value = a->get(key);
    usage_or_value([&] { return a->require(key); });
    usage_or_value([&] { return a->get_int(key, 1); });
    usage_or_value([&] { return a->get_int(key, 0, -(std::int64_t{1} << 40), std::int64_t{1} << 40); });
    usage_or_value([&] { return a->get_double(key, 300.0, 1.0, 1e7); });
    usage_or_value([&] { return plan_detail::parse_counts(value); });
    usage_or_value([&] { return simulate_detail::split_list(value); });
    usage_or_value([&] { return simulate_detail::parse_failures(value, small_cluster()); });
    usage_or_value([&] { return probe_detail::parse_dtype_flag(value); });
  }
  if (a->has("--model")) {
    // A model name the built-in zoo lacks is an input_error; bad numbers are usage errors.
    try {
      (void)parse_cell_request(*a);
    } catch (const usage_error&) {
    } catch (const input_error&) {
    } catch (const std::exception& e) {
      fuzz::fail(std::string("parse_cell_request: unexpected exception: ") + e.what());
    }
  }
  return 0;
}
