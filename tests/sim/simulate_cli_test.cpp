// `cellsched simulate` end to end on a small cluster and trace: table on stdout, JSON/CSV/SVG files,
// every job accounted for, clear errors for bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;
using cellsched::test::slurp;

namespace {

/// A scratch folder for one test, removed afterwards.
struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name) : dir(fs::temp_directory_path() / ("cellsched_simulate_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

cellsched::test::cli_result simulate(const scratch& s, const std::string& arguments) {
  return cellsched::test::run_cli("simulate " + arguments, s.dir / "io");
}

const char* cluster_json = R"({"kind": "cluster", "name": "mini", "node_groups": [
  {"gpu_type": "a100", "num_nodes": 2, "gpus_per_node": 4},
  {"gpu_type": "a40", "num_nodes": 4, "gpus_per_node": 2}]})";

// Reference CSV format; iterations are divided by 5 as the reference simulator does.
const char* trace_csv =
    "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
    "j1,1000,5000,moe__690M,90000,256,1,a100\n"
    "j2,1100,5000,bert__760M,90000,128,2,a40\n"
    "j3,1400,9000,wide_resnet__500M,90000,256,4,a100\n"
    "j4,2000,3000,moe__1.3B,90000,256,2,a100\n"
    "j5,2600,4000,bert__1.3B,90000,128,2,a40\n";

}  // namespace

TEST_CASE("cellsched simulate: a small run writes the table, JSON, CSV and plots", "[sim][cli]") {
  scratch s("ok");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("trace.csv", trace_csv);
  const std::string json = (s.dir / "out" / "results.json").string();
  const auto r =
      simulate(s, "--cluster " + c + " --trace " + t + " --policy crius,crius-ddl --reference --rounds 60 --quiet --json " + json +
                      " --plots " + (s.dir / "plots").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(r.out.find("crius ") != std::string::npos);
  REQUIRE(r.out.find("crius-ddl") != std::string::npos);
  REQUIRE(r.out.find("reference simulator") == std::string::npos);  // not the bundled experiment

  const auto doc = nlohmann::json::parse(slurp(json));
  REQUIRE(doc["inputs"]["iteration_divisor"] == 5);
  REQUIRE(doc["policies"].size() == 2);
  for (const auto& p : doc["policies"]) {
    REQUIRE(p["submitted_jobs"] == 5);
    REQUIRE(p["finished_jobs"].get<int>() + p["running_jobs_at_end"].get<int>() + p["pending_jobs_at_end"].get<int>() +
                p["dropped_jobs"].get<int>() ==
            5);
    REQUIRE(p["series"]["throughput_samples_per_s"].size() == 60);
    REQUIRE(p.contains("wall_s"));
  }
  REQUIRE(doc["policies"][0]["finished_jobs"] == 5);  // crius finishes all five within 5 hours
  REQUIRE(fs::exists(s.dir / "out" / "results.csv"));
  REQUIRE(fs::exists(s.dir / "out" / "results-jct-cdf.svg"));
  REQUIRE(fs::exists(s.dir / "plots" / "throughput.svg"));
}

TEST_CASE("cellsched simulate: bad input exits 2 naming the problem", "[sim][cli]") {
  scratch s("bad");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("trace.csv", trace_csv);
  auto r = simulate(s, "--cluster " + c + " --trace " + t + " --policy nope");
  REQUIRE(r.status == 2);
  REQUIRE(r.err.find("unknown policy 'nope'") != std::string::npos);
  r = simulate(s, "--cluster " + c + " --trace " + (s.dir / "missing.csv").string());
  REQUIRE(r.status == 2);
  REQUIRE(r.err.find("missing.csv") != std::string::npos);
  const std::string bad_trace = s.write("bad.csv", std::string(trace_csv) + "j6,3000,x,moe__690M,1,256,1,a100\n");
  r = simulate(s, "--cluster " + c + " --trace " + bad_trace + " --policy crius");
  REQUIRE(r.status == 2);
  REQUIRE(r.err.find("bad.csv") != std::string::npos);
  r = simulate(s, "--cluster " + c + " --trace " + t + " --rounds 0");
  REQUIRE(r.status == 2);
  r = simulate(s, "--cluster " + c + " --trace " + t + " --failures 99@100");
  REQUIRE(r.status == 2);
  REQUIRE(r.err.find("--failures") != std::string::npos);
}

TEST_CASE("cellsched simulate: --inject-failures reports faults, no lost jobs, no violations", "[sim][cli][faults]") {
  scratch s("faults");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("trace.csv", trace_csv);
  const std::string json = (s.dir / "faults.json").string();
  const auto r =
      simulate(s, "--cluster " + c + " --trace " + t +
                      " --policy crius,fcfs,gandiva --rounds 80 --quiet --inject-failures 3:20 --json " + json);
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(r.out.find("faults injected (seed 3)") != std::string::npos);
  const auto doc = nlohmann::json::parse(slurp(json));
  REQUIRE(doc["inputs"]["faults"]["node_failures_per_node_day"] == 20.0);
  REQUIRE(doc["policies"].size() == 3);
  for (const auto& p : doc["policies"]) {
    INFO(p["policy"]);
    const auto& f = p["faults"];
    REQUIRE(f["lost_jobs"] == 0);
    REQUIRE(f["invariant_violations"] == 0);
    REQUIRE(f["node_failures"].get<int>() > 0);
    REQUIRE(f["job_crashes"].get<int>() >= 0);
    REQUIRE(f.contains("scheduler_restarts"));  // one a day: 80 rounds may see none
  }
  // The failures are drawn per node before the run: every policy meets the same ones.
  REQUIRE(doc["policies"][0]["faults"]["node_failures"] == doc["policies"][1]["faults"]["node_failures"]);

  auto bad = simulate(s, "--cluster " + c + " --trace " + t + " --inject-failures seven");
  REQUIRE(bad.status == 2);
  REQUIRE(bad.err.find("--inject-failures") != std::string::npos);
  bad = simulate(s, "--cluster " + c + " --trace " + t + " --inject-failures 1:-2");
  REQUIRE(bad.status == 2);
  bad = simulate(s, "--cluster " + c + " --trace " + t + " --checkpoint-interval 60");
  REQUIRE(bad.status == 2);
}

TEST_CASE("cellsched simulate: --oracle estimator runs the policies on our best-plan table", "[sim][cli]") {
  scratch s("oracle");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("trace.csv", trace_csv);
  const std::string json = (s.dir / "est.json").string();
  const auto r = simulate(s, "--cluster " + c + " --trace " + t +
                                 " --policy crius,fcfs --rounds 60 --quiet --oracle estimator --json " + json);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(json));
  REQUIRE(doc["inputs"]["oracle"]["kind"] == "estimator");
  REQUIRE(doc["inputs"]["oracle"]["estimator_table_entries"].get<int>() > 0);
  REQUIRE_FALSE(doc["inputs"]["oracle"].contains("perf_table"));
  REQUIRE(doc["policies"][0]["finished_jobs"].get<int>() > 0);
  auto bad = simulate(s, "--cluster " + c + " --trace " + t + " --oracle magic");
  REQUIRE(bad.status == 2);
  REQUIRE(bad.err.find("--oracle") != std::string::npos);
}

TEST_CASE("cellsched simulate: --trace-order, file by default for a CSV trace with --reference, named in the header "
          "and JSON", "[sim][cli]") {
  scratch s("order");
  const std::string c = s.write("cluster.json", cluster_json);
  // j3's row comes after j4's though it was submitted earlier: read in file order it joins j4's round.
  const std::string t = s.write("trace.csv",
                                "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
                                "j1,1000,5000,moe__690M,90000,256,1,a100\n"
                                "j4,2000,3000,moe__1.3B,90000,256,2,a100\n"
                                "j3,1400,9000,wide_resnet__500M,90000,256,4,a100\n");
  for (const std::string order : {"", "file", "time", "reference"}) {
    const std::string json = (s.dir / ("r" + order + ".json")).string();
    const std::string flag = order.empty() ? "" : order == "reference" ? " --reference" : " --trace-order " + order;
    const auto r =
        simulate(s, "--cluster " + c + " --trace " + t + " --policy fcfs --rounds 10 --quiet --json " + json + flag);
    INFO(r.err);
    REQUIRE(r.status == 0);
    // Sorted by time unless asked, or in the reference's conventions.
    const std::string used = order.empty() ? "time" : order == "reference" ? "file" : order;
    CHECK(r.out.find("(read in " + used + " order)") != std::string::npos);
    const auto doc = nlohmann::json::parse(slurp(json));
    CHECK(doc["inputs"]["trace_order"] == used);
  }
  const auto bad = simulate(s, "--cluster " + c + " --trace " + t + " --trace-order sorted");
  REQUIRE(bad.status == 2);
  CHECK(bad.err.find("--trace-order") != std::string::npos);
}
