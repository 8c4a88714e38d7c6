// `cellsched simulate --shadow HOST` and `--pilot SELECTOR --host-policy P` from the command line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

using cellsched::test::run_cli;
using cellsched::test::slurp;
using cellsched::test::unique_temp_path;

namespace {
const std::string cluster = std::string(CELLSCHED_DATA_DIR) + "/clusters/small-2type.json";
const char* trace_text = R"({"kind": "trace", "jobs": [
 {"id": "a1", "model": "bert__1.3B", "global_batch": 256, "iterations": 3000, "submit_time_s": 0, "queue": "research"},
 {"id": "a2", "model": "bert__1.3B", "global_batch": 256, "iterations": 3000, "submit_time_s": 100},
 {"id": "a3", "model": "bert__2.6B", "global_batch": 128, "iterations": 2000, "submit_time_s": 200, "labels": ["pilot"]},
 {"id": "a4", "model": "bert__350M", "global_batch": 64, "iterations": 2000, "submit_time_s": 300}]})";
}  // namespace

TEST_CASE("simulate --shadow: the host's table, the shadow's agreement and gain", "[sim][cli][shadow]") {
  const auto dir = unique_temp_path("shadow_cli");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "t.json") << trace_text;
  const std::string base = "simulate --quiet --cluster " + cluster + " --trace " + (dir / "t.json").string();
  const auto alone = run_cli(base + " --policy gandiva --json " + (dir / "alone.json").string(), dir);
  REQUIRE(alone.status == 0);
  const auto r = run_cli(base + " --policy crius,fcfs --shadow gandiva --json " + (dir / "s.json").string(), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("shadow decisions beside gandiva") != std::string::npos);
  const auto a = nlohmann::json::parse(slurp(dir / "alone.json"));
  const auto s = nlohmann::json::parse(slurp(dir / "s.json"));
  REQUIRE(s["policies"].size() == 1);  // only the host's run is a run
  CHECK(s["policies"][0]["jobs"] == a["policies"][0]["jobs"]);
  CHECK(s["policies"][0]["series"]["throughput_samples_per_s"] == a["policies"][0]["series"]["throughput_samples_per_s"]);
  REQUIRE(s["shadow"]["policies"].size() == 2);
  CHECK(s["shadow"]["host"] == "gandiva");
  for (const auto& p : s["shadow"]["policies"]) {
    CHECK(p["rounds"].size() == a["policies"][0]["series"]["throughput_samples_per_s"].size());
    CHECK(p["agreement"].get<double>() >= 0.0);
    CHECK(p["agreement"].get<double>() <= 1.0);
  }
  const auto bad = run_cli(base + " --policy gandiva --shadow gandiva", dir);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("lists the host policy 'gandiva' itself") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("simulate --pilot: both sides reported, selectors and budgets checked", "[sim][cli][pilot]") {
  const auto dir = unique_temp_path("pilot_cli");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "t.json") << trace_text;
  const std::string base = "simulate --quiet --cluster " + cluster + " --trace " + (dir / "t.json").string();
  const auto r = run_cli(base + " --policy crius --pilot 'queue=research|label=pilot' --host-policy fcfs "
                                "--pilot-gpus h100-sxm:8 --inject-failures 2:0.5",
                         dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("crius+fcfs") != std::string::npos);
  CHECK(r.out.find("pilot       2 jobs") != std::string::npos);
  CHECK(r.out.find("host        2 jobs") != std::string::npos);
  CHECK(r.out.find("invariant violations 0") != std::string::npos);
  auto e = run_cli(base + " --policy crius --pilot colour=red --host-policy fcfs", dir);
  CHECK(e.status == 2);
  CHECK(e.err.find("the command-line value for '--pilot'") != std::string::npos);
  e = run_cli(base + " --policy crius --pilot share=10", dir);
  CHECK(e.status == 2);
  CHECK(e.err.find("--pilot needs --host-policy") != std::string::npos);
  e = run_cli(base + " --policy crius --pilot share=10 --host-policy fcfs --pilot-gpus v100:4", dir);
  CHECK(e.status == 2);
  CHECK(e.err.find("--pilot-gpus") != std::string::npos);
  std::filesystem::remove_all(dir);
}
