// `cellsched estimate`: one plan to JSON with a breakdown, batch mode over a measurement table, and
// errors for bad input (exit status 2, the file and line named).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

namespace {

struct run_result {
  int status = -1;
  std::string output;  ///< standard output followed by standard error
};

run_result run_cli(const std::string& arguments) {
  const auto r =
      cellsched::test::run_cli("estimate " + arguments, cellsched::test::unique_temp_path("cellsched_estimate_cli"));
  return {r.status, r.out + r.err};
}

std::string temp_path(const std::string& name) { return cellsched::test::unique_temp_path(name).string(); }

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

const std::string data_dir = CELLSCHED_DATA_DIR;
const std::string header =
    "# GPUs,global batch,micro batch,hidden size,attention heads,# layers,sequence length,tensor parallelism,"
    "data parallelism,pipeline parallelism,iteration time (ms)\n";

}  // namespace

TEST_CASE("estimate one plan: JSON with breakdown and stages", "[estimate][cli]") {
  const std::string out = temp_path("cellsched_estimate_one.json");
  const run_result r = run_cli("--cluster " + data_dir + "/clusters/dgx-a100-vtrain.json --model gpt3-1.3b --gpus 8 " +
                               "--tp 2 --pp 2 --dp 2 --micro-batch 2 --global-batch 64 --recompute --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = read_json(out);
  REQUIRE(j["kind"] == "estimate");
  REQUIRE(j["gpu_type"] == "a100-80gb");
  REQUIRE(j["calibration"] == "analytic");
  REQUIRE(j["stages"].size() == 2);
  REQUIRE(j["plan"]["num_micro_batches"] == 16);
  const auto& b = j["breakdown_ms"];
  const double sum = b["compute"].get<double>() + b["overhead"].get<double>() + b["tp_comm"].get<double>() +
                     b["dp_comm"].get<double>() + b["pp_comm"].get<double>() + b["bubble"].get<double>() +
                     b["optimizer"].get<double>();
  REQUIRE(sum == Approx(j["iter_time_ms"].get<double>()).epsilon(1e-9));
  REQUIRE(j["fits_in_memory"] == true);
  REQUIRE(j["software"] == "megatron-lm");
}

TEST_CASE("estimate --software: the named stack runs the plan, an unknown name is refused", "[estimate][cli]") {
  const std::string base = "--cluster " + data_dir + "/clusters/dgx-a100-vtrain.json --model gpt3-13b --gpus 8 " +
                           "--tp 8 --pp 1 --dp 1 --micro-batch 4 --global-batch 8 --recompute";
  const std::string now = temp_path("cellsched_estimate_sw_now.json");
  const std::string then = temp_path("cellsched_estimate_sw_2021.json");
  REQUIRE(run_cli(base + " --json " + now).status == 0);
  const run_result r = run_cli(base + " --software megatron-lm-2021 --json " + then);
  INFO(r.output);
  REQUIRE(r.status == 0);
  REQUIRE(r.output.find("software megatron-lm-2021") != std::string::npos);
  const auto a = read_json(now), b = read_json(then);
  REQUIRE(b["software"] == "megatron-lm-2021");
  // Before the asynchronous all-reduce the backward all-reduces run in line: more TP time, same compute.
  REQUIRE(b["breakdown_ms"]["tp_comm"].get<double>() > a["breakdown_ms"]["tp_comm"].get<double>());
  REQUIRE(b["breakdown_ms"]["compute"].get<double>() == Approx(a["breakdown_ms"]["compute"].get<double>()));
  const run_result bad = run_cli(base + " --software deepspeed");
  REQUIRE(bad.status == 2);
  REQUIRE(bad.output.find("megatron-lm|megatron-lm-2021") != std::string::npos);
}

TEST_CASE("estimate a job file: model, batch, GPU count and type from the job", "[estimate][cli]") {
  const std::string job_file = temp_path("cellsched_estimate_job.json");
  {
    std::ofstream f(job_file);
    f << R"({"kind": "job", "id": "j1", "model": "gpt3-1.3b", "global_batch": 64, "iterations": 10,
             "submit_time_s": 0, "requested_gpus": 8, "requested_gpu_type": "a100-80gb"})";
  }
  const std::string out = temp_path("cellsched_estimate_job_out.json");
  const std::string cluster = data_dir + "/clusters/dgx-a100-vtrain.json";
  const run_result r = run_cli("--cluster " + cluster + " --job " + job_file +
                               " --tp 2 --pp 2 --dp 2 --micro-batch 2 --recompute --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = read_json(out);
  REQUIRE(j["model"] == "gpt3-1.3b");
  REQUIRE(j["num_gpus"] == 8);
  REQUIRE(j["plan"]["global_batch"] == 64);
  REQUIRE(run_cli("--cluster " + cluster + " --job " + job_file + " --gpus 8 --tp 8").status == 2);
  REQUIRE(run_cli("--cluster " + cluster + " --job " + job_file + " --model gpt3-1.3b --tp 8").status == 2);
}

TEST_CASE("estimate batch mode: rows in input order, unrepresentable rows carry a reason", "[estimate][cli]") {
  const std::string csv = temp_path("cellsched_estimate_rows.csv");
  {
    std::ofstream f(csv);
    f << header << "8,32,4,1024,16,24,1024,2,2,2,219.732754\n"
      << "8,30,4,1024,16,24,1024,2,2,2,100.0\n"  // 30 is not a multiple of micro batch x dp
      << "2,16,8,1024,16,24,1024,1,1,2,372.160408\n";
  }
  const std::string out = temp_path("cellsched_estimate_rows.json");
  const run_result r = run_cli("--measurements " + csv + " --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  REQUIRE(r.output.find("median") != std::string::npos);
  const auto j = read_json(out);
  REQUIRE(j["rows"].size() == 3);
  REQUIRE(j["rows"][0]["line"] == 2);
  REQUIRE(j["rows"][0]["measured_iter_time_ms"] == 219.732754);
  REQUIRE(j["rows"][0]["predicted_iter_time_ms"].get<double>() > 0.0);
  REQUIRE(j["rows"][0]["fits_in_memory"] == true);
  REQUIRE(j["rows"][1]["predicted_iter_time_ms"].is_null());
  REQUIRE(j["rows"][1]["reason"].get<std::string>().find("global batch") != std::string::npos);
  REQUIRE(j["rows"][2]["line"] == 4);
  REQUIRE(j["summary"]["predicted_rows"] == 2);
}

TEST_CASE("estimate rejects bad input with exit status 2", "[estimate][cli]") {
  const std::string csv = temp_path("cellsched_estimate_bad.csv");
  {
    std::ofstream f(csv);
    f << header << "8,32,4,1024,16,24,1024,2,2,2,219.7\n8,32,four,1024,16,24,1024,2,2,2,219.7\n";
  }
  const run_result bad_csv = run_cli("--measurements " + csv);
  REQUIRE(bad_csv.status == 2);
  REQUIRE(bad_csv.output.find(":3") != std::string::npos);
  REQUIRE(bad_csv.output.find("micro batch") != std::string::npos);
  const std::string cluster = data_dir + "/clusters/dgx-a100-vtrain.json";
  REQUIRE(
      run_cli("--cluster " + cluster + " --model gpt3-1.3b --gpus 8 --tp 2 --pp 2 --dp 1 --global-batch 8").status ==
      2);
  REQUIRE(run_cli("--cluster " + cluster + " --model no-such-model --gpus 8 --tp 8 --global-batch 8").status == 2);
  REQUIRE(run_cli("--measurements " + csv + " --tp 2").status == 2);
  REQUIRE(run_cli("--help").status == 0);
}

TEST_CASE("estimate rejects a tensor-parallel size that does not divide the heads or query groups",
          "[estimate][cli]") {
  const std::string cluster = data_dir + "/clusters/dgx-a100-vtrain.json";
  // gpt3-125m has 12 heads: tp 8 cannot split them (Megatron-LM refuses it too); tp 4 can.
  const run_result heads = run_cli("--cluster " + cluster + " --model gpt3-125m --gpus 8 --tp 8 --global-batch 8");
  CHECK(heads.status == 2);
  CHECK_THAT(heads.output, Catch::Contains("--tp 8 must divide the attention heads (12) and query groups (12)"));
  CHECK(run_cli("--cluster " + cluster + " --model gpt3-125m --gpus 8 --tp 4 --dp 2 --global-batch 8").status == 0);
  // llama2-70b: 64 heads but 8 K/V groups, so tp 16 divides the heads and still fails.
  const run_result groups =
      run_cli("--cluster " + cluster + " --model llama2-70b --gpus 16 --tp 16 --global-batch 16");
  CHECK(groups.status == 2);
  CHECK_THAT(groups.output, Catch::Contains("and query groups (8) of llama2-70b"));
}

TEST_CASE("estimate with --stage-measurements: scaled rows say so, runs that fit nothing are an error",
          "[estimate][cli][stage_scales]") {
  // Single-stage runs of h1024/l12 (tp 2, micro-batch 2 and 4) scale the two-stage rows of h1024/l24.
  const std::string runs = temp_path("cellsched_stage_runs.csv");
  {
    std::ofstream f(runs);
    f << header << "8,16,2,1024,16,12,1024,2,4,1,98.102416\n"
      << "8,32,4,1024,16,12,1024,2,4,1,93.798182\n"
      << "8,32,4,1024,16,24,1024,2,2,2,219.7\n";  // two stages: not fitted on
  }
  const std::string csv = temp_path("cellsched_stage_rows.csv");
  {
    std::ofstream f(csv);
    f << header << "8,32,4,1024,16,24,1024,2,2,2,219.732754\n"
      << "8,32,8,1024,16,24,1024,2,2,2,200.0\n";  // micro-batch 8: no run of that shape
  }
  const std::string out = temp_path("cellsched_stage_rows.json");
  const run_result r = run_cli("--measurements " + csv + " --stage-measurements " + runs + " --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  REQUIRE(r.output.find("2 shapes from 2 single-stage runs") != std::string::npos);
  const auto j = read_json(out);
  const auto plain = [&] {
    const std::string o = temp_path("cellsched_stage_rows_plain.json");
    REQUIRE(run_cli("--measurements " + csv + " --json " + o).status == 0);
    return read_json(o);
  }();
  // Scaled where a shape was measured, analytic (identical) where none was.
  CHECK(j["rows"][0]["predicted_iter_time_ms"] != plain["rows"][0]["predicted_iter_time_ms"]);
  CHECK(j["rows"][1]["predicted_iter_time_ms"] == plain["rows"][1]["predicted_iter_time_ms"]);

  // One plan: the calibration names the runs' file.
  const std::string plan_out = temp_path("cellsched_stage_plan.json");
  const std::string cluster = data_dir + "/clusters/dgx-a100-vtrain.json";
  const run_result one = run_cli("--cluster " + cluster +
                                 " --model gpt3-1.3b --gpus 8 --tp 2 --dp 4 --micro-batch 2 --global-batch 64"
                                 " --recompute --stage-measurements " +
                                 runs + " --json " + plan_out);
  REQUIRE(one.status == 0);
  CHECK(read_json(plan_out)["calibration"] == "analytic");  // gpt3-1.3b is h2048: no run of its shape

  const std::string none = temp_path("cellsched_stage_none.csv");
  {
    std::ofstream f(none);
    f << header << "8,32,4,1024,16,24,1024,2,2,2,219.7\n";
  }
  const run_result bad = run_cli("--measurements " + csv + " --stage-measurements " + none);
  CHECK(bad.status == 2);
  CHECK(bad.output.find("single-stage run") != std::string::npos);
  CHECK(run_cli("--measurements " + csv + " --stage-measurements " + runs + " --stage-gpu-type v100").status == 2);
  CHECK(run_cli("--cluster " + cluster + " --model gpt3-1.3b --gpus 8 --tp 8 --global-batch 8 --stage-gpu-type v100")
            .status == 2);
}

TEST_CASE("estimate batch mode: absurd sizes are reported per row, not built", "[estimate][cli]") {
  const std::string csv = temp_path("cellsched_estimate_huge.csv");
  {
    std::ofstream f(csv);
    f << header << "8,16,1,1024,16,1000000000000,1024,1,8,1,93.6\n"
      << "1000000000000,16,1,1024,16,12,1024,1,8,1,93.6\n"
      << "8,16,1,1024,16,12,1024,1000000000000000,1000000000000000,1000000000000000,93.6\n";
  }
  const std::string out = temp_path("cellsched_estimate_huge.json");
  const run_result r = run_cli("--measurements " + csv + " --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = read_json(out);
  CHECK(j["rows"][0]["reason"].get<std::string>().find("# layers above") != std::string::npos);
  CHECK(j["rows"][1]["reason"].get<std::string>().find("# GPUs above") != std::string::npos);
  CHECK(j["rows"][2]["reason"].get<std::string>().find("tp x dp x pp") != std::string::npos);
}

TEST_CASE("estimate takes the plan options real runs use", "[estimate][cli]") {
  const std::string base = "--cluster " + data_dir + "/clusters/dgx-a100-vtrain.json --model gpt3-1.3b --gpus 16 " +
                           "--tp 2 --pp 4 --dp 2 --micro-batch 2 --global-batch 64 ";
  const std::string plain_out = temp_path("cellsched_estimate_plain.json");
  const std::string opt_out = temp_path("cellsched_estimate_options.json");
  REQUIRE(run_cli(base + "--json " + plain_out).status == 0);
  const run_result r = run_cli(base +
                               "--selective-recompute --sequence-parallel --overlap-grad-reduce --virtual-stages 2 "
                               "--json " +
                               opt_out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto plain = read_json(plain_out);
  const auto j = read_json(opt_out);
  REQUIRE(j["plan"]["selective_recompute"] == true);
  REQUIRE(j["plan"]["sequence_parallel"] == true);
  REQUIRE(j["plan"]["overlap_grad_reduce"] == true);
  REQUIRE(j["plan"]["virtual_stages"] == 2);
  // Interleaving shrinks the bubble; overlapping hides (part of) the gradient sync.
  REQUIRE(j["breakdown_ms"]["bubble"].get<double>() < plain["breakdown_ms"]["bubble"].get<double>());
  REQUIRE(j["breakdown_ms"]["dp_comm"].get<double>() <= plain["breakdown_ms"]["dp_comm"].get<double>());
  // 24 layers do not split into 4 stages x 5 chunks; full and selective recomputation exclude each other.
  REQUIRE(run_cli(base + "--virtual-stages 5").status == 2);
  REQUIRE(run_cli(base + "--recompute --selective-recompute").status == 2);
}

TEST_CASE("estimate --model-file: a model described in a file", "[estimate][cli]") {
  const std::string model_path = temp_path("cellsched_estimate_model.json");
  {
    std::ofstream f(model_path);
    f << R"({"kind":"model","name":"llama-style","family":"dense_transformer","hidden":2048,"num_layers":8,
      "heads":16,"seq_len":4096,"vocab":32000,"ffn_hidden":5504,"num_query_groups":4,"swiglu":true,
      "flash_attention":true,"dtype":"bf16"})";
  }
  const std::string out = temp_path("cellsched_estimate_model_file.json");
  const std::string base = "--cluster " + data_dir + "/clusters/small-2type.json --model-file " + model_path +
                           " --gpus 8 --gpu-type h100-sxm --pp 1 --dp 2 --micro-batch 2 --global-batch 16 ";
  const run_result r = run_cli(base + "--tp 4 --json " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  REQUIRE(read_json(out)["model"] == "llama-style");
  // Tensor parallelism beyond the 4 query groups is refused as bad input, naming --tp; both model sources
  // at once are an error.
  const run_result wide = run_cli(base.substr(0, base.find("--dp 2")) + "--dp 1 --micro-batch 2 --global-batch 16 --tp 8");
  REQUIRE(wide.status == 2);
  REQUIRE(wide.output.find("--tp 8 must divide the attention heads (16) and query groups (4)") != std::string::npos);
  REQUIRE(run_cli(base + "--tp 4 --model gpt3-1.3b").status == 2);
}
