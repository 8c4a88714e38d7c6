#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <cellsched/io/profile_json.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;

namespace {

using run_result = cellsched::test::cli_result;

const fs::path scratch_dir = cellsched::test::unique_temp_path("cellsched_probe_cli");

run_result probe(const std::string& arguments) { return cellsched::test::run_cli("probe " + arguments, scratch_dir); }

// Without a usable GPU the probe exits 1 and says why: either the build has no CUDA or the machine has
// no device.
bool says_unavailable(const run_result& r) {
  return r.status == 1 && (r.err.find("built without CUDA: the probe is unavailable") != std::string::npos ||
                           r.err.find("no CUDA device") != std::string::npos);
}

}  // namespace

TEST_CASE("probe: bad arguments are usage errors (exit 2) whatever the build", "[probe][cli]") {
  CHECK(probe("--help").status == 0);
  CHECK(probe("--help").out.find("--cell --model NAME") != std::string::npos);
  const auto both = probe("--quick --full");
  CHECK(both.status == 2);
  CHECK_THAT(both.err, Catch::Contains("exclude each other"));
  CHECK(probe("--stage 1").status == 2);                        // belongs to --cell
  CHECK(probe("--cell --model gpt3-125m --full").status == 2);  // sweeps options do not apply to --cell
  CHECK(probe("--cell").status == 2);                           // --model missing
  CHECK(probe("--budget-s 0").status == 2);
  CHECK(probe("--budget-s abc").status == 2);
  CHECK(probe("stray").status == 2);
  const auto unknown = probe("--cell --model no-such-model");
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.err, Catch::Contains("the command-line value for 'model'") && Catch::Contains("gpt3-1.3b"));
  CHECK(probe("--cell --model gpt3-125m --pp 2 --stage 2").status == 2);  // stage outside [0, pp)
  CHECK(probe("--cell --model gpt3-125m --dtype int8").status == 2);
}

TEST_CASE("probe: writes a profile the strict reader accepts, or says why it cannot", "[probe][cli]") {
  const fs::path file = scratch_dir / "out-profile.json";
  fs::remove(file);
  // A one-second budget: on a GPU machine every sweep still measures its first point.
  const auto r = probe("--budget-s 1 --out " + file.string());
  INFO(r.err);
  if (r.status != 0) {
    CHECK(says_unavailable(r));
    CHECK_FALSE(fs::exists(file));
    return;
  }
  const cellsched::probe_profile p = cellsched::io::load_profile_file(file.string());
  CHECK(!p.gemm.empty());
  CHECK(!p.memory.empty());
  CHECK(p.mode == "quick");
  CHECK_THAT(r.out, Catch::Contains("wrote " + file.string()));
}

TEST_CASE("probe --cell: measured vs predicted stage GEMM time, or says why it cannot", "[probe][cli]") {
  const auto r = probe("--cell --model gpt3-125m --tp 2 --micro-batch 2 --pp 12 --stage 5");
  INFO(r.err);
  if (r.status != 0) {
    CHECK(says_unavailable(r));
    return;
  }
  CHECK_THAT(r.out, Catch::Contains("stage GEMM time per micro-batch") && Catch::Contains("predicted"));
}
