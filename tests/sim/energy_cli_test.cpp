// `cellsched simulate` and `cellsched plan` with energy and cost (docs/energy-cost.md): the energy table,
// JSON, CSV and plots; Crius's objective and power budget from the command line; every misuse of the
// new options gets its own message before any simulation.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;
using cellsched::test::run_cli;
using cellsched::test::slurp;

namespace {
const std::string data = CELLSCHED_DATA_DIR;
const std::string small = " --cluster " + data + "/clusters/small-2type.json --trace " + data +
                          "/traces/tiny.json --oracle estimator --quiet --jobs 1";
const std::string prices = " --prices " + data + "/prices/cloud-list-prices.json";
}  // namespace

TEST_CASE("energy cli: simulate reports energy, cost and power, and writes them", "[sim][cli][energy]") {
  const fs::path dir = cellsched::test::unique_temp_path("cellsched_energy_cli");
  fs::remove_all(dir);
  fs::create_directories(dir);
  // small-2type: 16 H100 SXM (700 W) and 16 A100 80 GB (400 W): 1,760 W idle, 17,600 W all busy.
  const auto r = run_cli("simulate" + small + prices + " --policy crius,fcfs --objective energy --power-budget-w 9000" +
                             " --json " + (dir / "out.json").string(),
                         dir / "io");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("energy and cost (docs/energy-cost.md; Crius objective: energy)"));
  CHECK_THAT(r.out, Catch::Contains("crius-energy-budget"));
  CHECK_THAT(r.out, Catch::Contains("budget kW"));
  const auto doc = nlohmann::json::parse(slurp(dir / "out.json"));
  CHECK(doc["inputs"]["objective"] == "energy");
  CHECK(doc["inputs"]["power_budget_w"] == 9000.0);
  for (const auto& p : doc["policies"]) {
    INFO(p["policy"]);
    CHECK(p["series"]["power_w"].size() == p["series"]["throughput_samples_per_s"].size());
    CHECK(p["energy"]["energy_kwh"].get<double>() > 0.0);
    if (p["policy"] == "crius-energy-budget") {
      CHECK(p["energy"]["power_budget_violations"] == 0);
      CHECK(p["energy"]["peak_power_w"].get<double>() <= 9000.0);
    }
    for (const auto& j : p["jobs"]) CHECK(j.contains("energy_kwh"));
  }
  CHECK_THAT(slurp(dir / "out.csv"), Catch::Contains("energy_kwh,job_energy_kwh"));
  CHECK_THAT(slurp(dir / "out-power.svg"), Catch::Contains("Cluster power"));
  CHECK_THAT(slurp(dir / "out-energy-tradeoff.svg"), Catch::Contains("Energy per sample"));
  fs::remove_all(dir);
}

TEST_CASE("energy cli: misuse of the energy options gets its own message", "[sim][cli][energy]") {
  const fs::path dir = cellsched::test::unique_temp_path("cellsched_energy_cli_bad");
  const auto bad = [&](const std::string& args, const std::string& message) {
    const auto r = run_cli("simulate" + small + " --policy crius" + args, dir / "io");
    INFO(args << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
  };
  bad(" --objective greenest", "--objective must be throughput, cost or energy");
  bad(" --objective cost", "--objective cost needs a price for every GPU type; h100-sxm has none");
  bad(prices + " --objective cost", "a100-80gb has none");
  bad(" --power-budget-w 1000", "below the cluster's idle power (1760");
  bad(" --prices " + data + "/clusters/small-2type.json", "\"prices\" in a file loaded as one");
  bad(" --truth estimator --objective energy", "apply to open-loop runs");
  fs::remove_all(dir);
}

TEST_CASE("energy cli: plan shows the fastest, cheapest and most energy-efficient Cells", "[search][cli][energy]") {
  const fs::path dir = cellsched::test::unique_temp_path("cellsched_energy_plan");
  const std::string base = "plan --cluster " + data + "/clusters/small-2type.json --model bert__2.6B --batch 256";
  const auto r = run_cli(base + prices + " --top 3", dir / "io");
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (const char* row : {"fastest ", "cheapest ", "most energy-efficient "}) CHECK_THAT(r.out, Catch::Contains(row));
  CHECK_THAT(r.out, Catch::Contains("J/sample") && Catch::Contains("USD/1M samples"));
  // Ranked by energy, the chosen Cell is the most energy-efficient one.
  const auto e = run_cli(base + " --objective energy --top 1 --json " + (dir / "plan.json").string(), dir / "io");
  REQUIRE(e.status == 0);
  const auto doc = nlohmann::json::parse(slurp(dir / "plan.json"));
  CHECK(doc["objective"] == "energy");
  CHECK(doc["chosen"]["cell"] == doc["objectives"]["most energy-efficient"]["cell"]);
  CHECK(run_cli(base + " --objective cost", dir / "io").status == 2);  // no prices
  fs::remove_all(dir);
}

TEST_CASE("energy cli: estimate prints energy per iteration, slower and leaner under a power limit",
          "[estimate][cli][energy]") {
  const fs::path dir = cellsched::test::unique_temp_path("cellsched_energy_estimate");
  const std::string base = "estimate --cluster " + data + "/clusters/small-2type.json --model bert__1.3B --gpus 8" +
                           " --gpu-type a100-80gb --global-batch 64 --tp 1 --pp 1 --dp 8 --micro-batch 8";
  const auto full = run_cli(base + prices + " --json " + (dir / "full.json").string(), dir / "io");
  INFO(full.err);
  REQUIRE(full.status == 0);
  CHECK_THAT(full.out, Catch::Contains("J per iteration") && Catch::Contains("no price for a100-80gb"));
  const auto capped = run_cli(base + " --power-limit-w 200 --json " + (dir / "capped.json").string(), dir / "io");
  REQUIRE(capped.status == 0);
  CHECK_THAT(capped.out, Catch::Contains("under a 200 W limit"));
  const auto f = nlohmann::json::parse(slurp(dir / "full.json"))["energy"];
  const auto c = nlohmann::json::parse(slurp(dir / "capped.json"))["energy"];
  // A100 80 GB: 400 W, idle 40 W. At 200 W compute runs at (160/360)^(1/3) = 0.763 of its clock: the
  // iteration takes longer and every phase draws at most half of the full-power figure, so energy falls.
  CHECK(c["iter_time_ms"].get<double>() > f["iter_time_ms"].get<double>());
  CHECK(c["energy_j_per_iteration"].get<double>() < f["energy_j_per_iteration"].get<double>());
  CHECK(f["gpu_power_w"].get<double>() <= 400.0);
  CHECK(c["gpu_power_w"].get<double>() <= 200.0);
  CHECK(f["usd_per_iteration"].is_null());
  const auto bad = run_cli(base + " --power-limit-w 500", dir / "io");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("a power limit for a100-80gb in (40, 400] W"));
  fs::remove_all(dir);
}
