// `cellsched decide`: one decision on a saved scheduler state, written as JSON, checked against the state;
// the policy's carried state and what was learnt from observations go from one call to the next; bad
// states and observations are refused naming file and field.
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

// One job running on 4 A100s (GPUs 16-19 are the first A100 node), two pending.
const char* state_text = R"({"kind": "scheduler_state", "cluster": "small-2type", "total_gpus": 32, "down_nodes": [],
 "jobs": [
  {"spec": {"id": "r1", "model": "bert__1.3B", "global_batch": 256, "iterations": 3000, "submit_time_s": 0},
   "state": "running", "alloc": {"gpu_type": "a100-80gb", "layout": [4], "gpus": [16, 17, 18, 19]},
   "remaining_iterations": 2000},
  {"spec": {"id": "p1", "model": "bert__2.6B", "global_batch": 128, "iterations": 2000, "submit_time_s": 600,
            "queue": "research", "labels": ["pilot"]}, "state": "pending"},
  {"spec": {"id": "p2", "model": "bert__350M", "global_batch": 64, "iterations": 500, "submit_time_s": 900},
   "state": "pending"}]})";

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

}  // namespace

TEST_CASE("decide: a decision on a saved state, valid, with its plans and predictions", "[schedule][cli]") {
  const auto dir = unique_temp_path("decide_ok");
  std::filesystem::create_directories(dir);
  write(dir / "state.json", state_text);
  const std::string common = "decide --cluster " + cluster + " --state " + (dir / "state.json").string();
  const auto r = run_cli(common + " --json " + (dir / "d.json").string() + " --save-policy-state " +
                             (dir / "ps.json").string() + " --save-state " + (dir / "after.json").string(),
                         dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto d = nlohmann::json::parse(slurp(dir / "d.json"));
  CHECK(d["kind"] == "decision");
  CHECK(d["policy"] == "crius");
  CHECK(d["valid"] == true);
  CHECK(d["now_s"] == 900.0);  // the latest submission
  CHECK(d["jobs"] == 3);
  REQUIRE(d["run"].size() >= 2);  // both pending jobs fit on the idle H100s and A100s
  for (const auto& p : d["run"]) {
    CHECK(p["num_gpus"].get<int>() == static_cast<int>(p["alloc"]["gpus"].size()));
    CHECK(p["predicted_iter_time_s"].get<double>() > 0);
    CHECK(p["prediction_source"] == "predicted");
    CHECK(p.contains("plan"));
  }
  CHECK(d["predicted_samples_per_s"]["after"].get<double>() > d["predicted_samples_per_s"]["before"].get<double>());
  // The state after applying it, with the policy's carried state: the next call has nothing to do.
  const auto r2 = run_cli("decide --cluster " + cluster + " --state " + (dir / "after.json").string() +
                              " --policy-state " + (dir / "ps.json").string() + " --json -",
                          dir);
  INFO(r2.err);
  REQUIRE(r2.status == 0);
  const auto d2 = nlohmann::json::parse(r2.out);
  CHECK(d2["starts"] == 0);
  CHECK(d2["preemptions"] == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("decide: observations correct the predictions and are carried to the next call", "[schedule][cli]") {
  const auto dir = unique_temp_path("decide_obs");
  std::filesystem::create_directories(dir);
  write(dir / "state.json", state_text);
  // r1 reports 3 s per iteration on its 4 A100s, three times.
  write(dir / "obs.csv",
        "job_id,model,global_batch,gpu_type,layout,stages,iter_time_s,time_s\n"
        "r1,bert__1.3B,256,a100-80gb,4,,3.0,300\nr1,bert__1.3B,256,a100-80gb,4,,3.0,600\n"
        "r1,bert__1.3B,256,a100-80gb,4,,3.0,900\n");
  const std::string common = "decide --cluster " + cluster + " --state " + (dir / "state.json").string();
  const auto r = run_cli(common + " --policy fcfs --observations " + (dir / "obs.csv").string() +
                             " --save-online-state " + (dir / "online.json").string() + " --json -",
                         dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto d = nlohmann::json::parse(r.out);
  CHECK(d["observations"] == 3);
  const auto online = nlohmann::json::parse(slurp(dir / "online.json"));
  REQUIRE(online["cells"].size() == 1);
  CHECK(online["cells"][0]["times_s"].size() == 3);
  std::filesystem::remove_all(dir);
}

TEST_CASE("decide: bad states, observations and arguments name what is wrong", "[schedule][cli]") {
  const auto dir = unique_temp_path("decide_bad");
  std::filesystem::create_directories(dir);
  const std::string common = "decide --cluster " + cluster + " --json - --state ";
  auto state = nlohmann::json::parse(state_text);
  state["jobs"][0]["alloc"]["gpus"] = {0, 16, 17, 18};  // GPU 0 is an H100
  write(dir / "wrong_type.json", state.dump());
  auto r = run_cli(common + (dir / "wrong_type.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("wrong_type.json: field 'jobs[0]'") != std::string::npos);
  CHECK(r.err.find("GPU 0 is h100-sxm") != std::string::npos);

  state = nlohmann::json::parse(state_text);
  state["jobs"][1]["spec"]["labels"] = {"ok", "has space"};
  write(dir / "label.json", state.dump());
  r = run_cli(common + (dir / "label.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("label.json: field 'jobs[1].spec.labels[1]'") != std::string::npos);

  state = nlohmann::json::parse(state_text);
  state["cluster"] = "other";
  write(dir / "cluster.json", state.dump());
  r = run_cli(common + (dir / "cluster.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("field 'cluster'") != std::string::npos);

  write(dir / "state.json", state_text);
  write(dir / "obs.json", R"({"kind": "observations", "observations": [{"job_id": "r1", "model": "bert__1.3B",
    "global_batch": 256, "gpu_type": "a100-80gb", "layout": [4], "iter_time_s": -1, "time_s": 0}]})");
  r = run_cli(common + (dir / "state.json").string() + " --observations " + (dir / "obs.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("obs.json: field 'observations[0].iter_time_s'") != std::string::npos);

  r = run_cli(common + (dir / "missing.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("missing.json") != std::string::npos);
  r = run_cli("decide --cluster " + cluster + " --state " + (dir / "state.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("--json OUT is required") != std::string::npos);
  r = run_cli(common + (dir / "state.json").string() + " --policy nope", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("unknown policy 'nope'") != std::string::npos);
  write(dir / "ps.json", R"({"policy": "gandiva"})");
  r = run_cli(common + (dir / "state.json").string() + " --policy-state " + (dir / "ps.json").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("crius") != std::string::npos);
  std::filesystem::remove_all(dir);
}
