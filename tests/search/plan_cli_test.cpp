// cellsched plan: ranking, chosen plan, launch line, JSON, errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;
using cellsched::test::slurp;

namespace {

const fs::path scratch_dir = cellsched::test::unique_temp_path("cellsched_plan_cli");

cellsched::test::cli_result plan(const std::string& args) {
  return cellsched::test::run_cli("plan " + args, scratch_dir);
}

const std::string arena = std::string(CELLSCHED_DATA_DIR) + "/clusters/arena-1280.json";
const std::string small = std::string(CELLSCHED_DATA_DIR) + "/clusters/small-2type.json";

}  // namespace

TEST_CASE("plan ranks a job's Cells and prints the chosen plan's launch line", "[search][cli]") {
  const std::string json = (scratch_dir / "plan.json").string();
  const auto r = plan("--cluster " + arena + " --model bert__1.3B --batch 128 --top 5 --json " + json);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("bert__1.3B, global batch 128, on arena-1280: 124 Cells"));
  CHECK_THAT(r.out, Catch::Contains("chosen: "));
  CHECK_THAT(r.out, Catch::Contains("torchrun --nnodes "));
  CHECK_THAT(r.out, Catch::Contains("--global-batch-size 128"));
  const auto doc = nlohmann::json::parse(slurp(json));
  CHECK(doc["kind"] == "plan_search");
  CHECK(doc["cells"] == 124);
  REQUIRE(doc["ranking"].size() == 5);
  // Ranked best first; the chosen plan is the first of the ranking.
  for (std::size_t i = 1; i < doc["ranking"].size(); ++i)
    CHECK(doc["ranking"][i - 1]["estimate"]["iter_time_s"].get<double>() <=
          doc["ranking"][i]["estimate"]["iter_time_s"].get<double>());
  CHECK(doc["chosen"]["plan"] == doc["ranking"][0]["plan"]);
  CHECK(doc["chosen"]["plan"]["global_batch"] == 128);
  CHECK(doc["chosen"]["launch"]["megatron_args"].size() > 8);
}

TEST_CASE("plan --per-allocation lists one Cell per allocation; --hetero adds two-type Cells", "[search][cli]") {
  const std::string json = (scratch_dir / "hetero.json").string();
  const auto r = plan("--cluster " + small +
                      " --model gpt3-1.3b --batch 64 --gpu-counts 4,8 --hetero --per-allocation "
                      "--top 100 --json " +
                      json);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(json));
  std::set<std::string> allocations;
  bool hetero = false;
  for (const auto& c : doc["ranking"]) {
    const std::string key = c["cell"]["gpu_type"].get<std::string>() + c["cell"]["layout"].dump() +
                            (c["cell"].contains("node_gpu_types") ? c["cell"]["node_gpu_types"].dump() : "");
    CHECK(allocations.insert(key).second);
    if (c["cell"].contains("stage_gpu_types")) {
      hetero = true;
      if (c["feasible"]) CHECK(c["plan"]["stages"].back()["gpu_type"] != c["plan"]["stages"].front()["gpu_type"]);
    }
  }
  CHECK(hetero);
}

TEST_CASE("plan reports bad input with exit status 2 and no feasible plan with 1", "[search][cli]") {
  const auto unknown = plan("--cluster " + arena + " --model nope --batch 8");
  CHECK(unknown.status == 2);
  // A value from the command line is named as such, not blamed on a file.
  CHECK_THAT(unknown.err, Catch::Contains("cellsched plan: error: the command-line value for 'model': a known model "
                                          "name, got \"nope\""));
  CHECK_THAT(unknown.err, !Catch::Contains("<input>"));
  CHECK(plan("--cluster " + arena + " --model bert__1.3B").status == 2);
  CHECK(plan("--cluster " + arena + " --model bert__1.3B --batch 8 --gpu-counts 2,x").status == 2);
  const auto none = plan("--cluster " + arena + " --model gpt3-175b --batch 1536 --gpu-counts 1,2");
  CHECK(none.status == 1);
  CHECK_THAT(none.out, Catch::Contains("no Cell has a feasible plan"));
  CHECK_THAT(none.out, Catch::Contains("no plan fits in GPU memory"));
}

TEST_CASE("plan --job takes model and batch from a job file; a bad job file names its field", "[search][cli]") {
  fs::create_directories(scratch_dir);
  const fs::path job = scratch_dir / "job.json";
  std::ofstream(job) << R"({"kind": "job", "id": "j1", "model": "bert__350M", "global_batch": 64, "iterations": 10,
                            "submit_time_s": 0})";
  const auto r = plan("--cluster " + small + " --job " + job.string() + " --top 1");
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("bert__350M, global batch 64, on small-2type"));
  CHECK(plan("--cluster " + small + " --job " + job.string() + " --batch 8").status == 2);
  const fs::path bad = scratch_dir / "bad-job.json";
  std::ofstream(bad) << R"({"kind": "job", "id": "j1", "model": "bert__350M", "global_batch": 0, "iterations": 10,
                            "submit_time_s": 0})";
  const auto e = plan("--cluster " + small + " --job " + bad.string());
  CHECK(e.status == 2);
  CHECK_THAT(e.err, Catch::Contains("global_batch"));
}

TEST_CASE("plan --recompute / --no-recompute fix recomputation; --stage-measurements scales the stages",
          "[search][cli][stage_scales]") {
  // A model with the shape of vTrain's measured runs (h2048, 16 heads, sequence 1024).
  const std::string model = (scratch_dir / "gpt-h2048.json").string();
  {
    std::ofstream f(model);
    f << R"({"kind": "model", "name": "gpt-h2048-l24", "family": "dense_transformer", "hidden": 2048,
             "num_layers": 24, "heads": 16, "seq_len": 1024, "vocab": 50257, "dtype": "fp16"})";
  }
  const std::string cluster = std::string(CELLSCHED_DATA_DIR) + "/clusters/dgx-a100-vtrain.json";
  const std::string runs = std::string(CELLSCHED_DATA_DIR) + "/measurements/vtrain-a100-single-node.csv";
  const std::string base = "--cluster " + cluster + " --model-file " + model + " --batch 16 --gpu-counts 8 --top 4";
  const auto chosen = [&](const std::string& extra) {
    const std::string json = (scratch_dir / "plan-rc.json").string();
    const auto r = plan(base + " " + extra + " --json " + json);
    INFO(r.err);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(slurp(json))["chosen"];
  };
  const auto always = chosen("--recompute");
  CHECK(always["plan"]["recompute"] == true);
  CHECK(always["estimate"]["calibration"] == "analytic");
  CHECK(chosen("--no-recompute")["plan"]["recompute"] == false);
  const auto measured = chosen("--recompute --stage-measurements " + runs);
  CHECK(measured["plan"]["recompute"] == true);
  CHECK(measured["estimate"]["calibration"] == "analytic+stages:vtrain-a100-single-node.csv");
  CHECK(measured["estimate"]["iter_time_s"] != always["estimate"]["iter_time_s"]);
  CHECK(plan(base + " --recompute --no-recompute").status == 2);
  CHECK(plan(base + " --stage-gpu-type v100").status == 2);
  CHECK(plan(base + " --stage-measurements " + runs + " --stage-gpu-type no-such-gpu").status == 2);
}

TEST_CASE("plan proposes only plans Megatron-LM launches; --allow-nonuniform opens the rest and says so",
          "[search][cli]") {
  // 8 H100: 3 stages cannot share 8 GPUs evenly, so by default those Cells have no plan and every
  // feasible one has the same GPUs and (dp, tp) on all stages.
  const std::string json = (scratch_dir / "uniform.json").string();
  const std::string base = "--cluster " + small + " --model llama2-13b --batch 64 --gpu-type h100-sxm --gpu-counts 8";
  const auto r = plan(base + " --top 100 --json " + json);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(slurp(json));
  CHECK(doc["allow_nonuniform"] == false);
  bool three_stages_refused = false;
  for (const auto& c : doc["ranking"]) {
    if (!c["feasible"]) {
      if (c["cell"]["stages"] == 3) {
        three_stages_refused = true;
        CHECK_THAT(c["reason"].get<std::string>(), Catch::Contains("do not split evenly into 3 stages"));
      }
      continue;
    }
    CHECK(c["launch"]["megatron_compatible"] == true);
    const auto& st = c["plan"]["stages"];
    for (const auto& s : st) CHECK((s["dp"] == st[0]["dp"] && s["tp"] == st[0]["tp"]));
    // tp divides the 40 heads (and query groups).
    CHECK(40 % st[0]["tp"].get<int>() == 0);
  }
  CHECK(three_stages_refused);
  CHECK(doc["chosen"]["needs_custom_launcher"] == false);

  // --allow-nonuniform: the 3-stage Cell gets a plan, unequal stages, flagged as needing a custom launcher.
  const std::string open = (scratch_dir / "nonuniform.json").string();
  const auto o = plan(base + " --allow-nonuniform --max-stages 3 --top 100 --json " + open);
  INFO(o.err);
  REQUIRE(o.status == 0);
  const auto all = nlohmann::json::parse(slurp(open));
  CHECK(all["allow_nonuniform"] == true);
  bool flagged = false;
  for (const auto& c : all["ranking"])
    if (c["feasible"] && c["cell"]["stages"] == 3) {
      CHECK(c["launch"]["megatron_compatible"] == false);
      flagged = true;
    }
  CHECK(flagged);
}

TEST_CASE("llama2-13b on 2 x 8 H100: a launchable plan with Megatron-LM's argument names", "[search][cli]") {
  const std::string json = (scratch_dir / "llama2-13b.json").string();
  const auto r = plan("--cluster " + small +
                      " --model llama2-13b --batch 128 --gpu-type h100-sxm --gpu-counts 16 --json " + json);
  INFO(r.out);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, !Catch::Contains("needs a custom launcher"));
  const auto doc = nlohmann::json::parse(slurp(json));
  const auto& chosen = doc["chosen"];
  CHECK(chosen["cell"]["num_gpus"] == 16);
  CHECK(chosen["launch"]["megatron_compatible"] == true);
  CHECK(chosen["needs_custom_launcher"] == false);
  const auto& st = chosen["plan"]["stages"];
  for (const auto& s : st) CHECK((s["dp"] == st[0]["dp"] && s["tp"] == st[0]["tp"] && s["tp"].get<int>() <= 8));
  const std::string line = chosen["launch"]["command_line"];
  for (const char* flag :
       {"torchrun --nnodes 2 --nproc-per-node 8 --node-rank $NODE_RANK --master-addr $MASTER_ADDR "
        "--master-port $MASTER_PORT pretrain_gpt.py",
        "--tensor-model-parallel-size ", "--pipeline-model-parallel-size ", "--num-layers 40", "--hidden-size 5120",
        "--num-attention-heads 40", "--ffn-hidden-size 13824", "--swiglu", "--use-flash-attn",
        "--position-embedding-type rope", "--normalization RMSNorm", "--disable-bias-linear",
        "--untie-embeddings-and-output-weights", "--seq-length 4096", "--bf16", "--global-batch-size 128"}) {
    INFO(flag);
    CHECK_THAT(line, Catch::Contains(flag));
  }
}
