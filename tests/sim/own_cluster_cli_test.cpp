// `cellsched simulate` on a user's own cluster, models and trace (not the paper's): every job is
// accounted for with a reason, throughput and utilisation follow the busy GPUs, the per-job output lists
// every job, the trace's own GPU types and model files work, and every misuse gets its own message.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;
using cellsched::test::slurp;

namespace {

struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name) : dir(cellsched::test::unique_temp_path("cellsched_own_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
};

cellsched::test::cli_result simulate(const scratch& s, const std::string& arguments) {
  return cellsched::test::run_cli("simulate " + arguments, s.dir / "io");
}

// Four catalog types and one the cluster file defines itself; the reference table has none of
// a100-80gb, h100-sxm or the user's type.
const char* cluster_json = R"({"kind": "cluster", "name": "own",
 "gpu_types": [{"name": "lab-gpu", "peak_fp32_tflops": 47.9, "peak_fp16_tflops": 383, "peak_bf16_tflops": 383,
   "mem_gb": 128, "mem_bw_gb_per_s": 3276.8, "intra_link": "xgmi", "intra_link_gb_per_s": 200,
   "inter_node_gb_per_s": 100, "gpus_per_node": 4}],
 "node_groups": [
  {"gpu_type": "a100-80gb", "num_nodes": 1, "gpus_per_node": 8},
  {"gpu_type": "v100", "num_nodes": 1, "gpus_per_node": 8},
  {"gpu_type": "a10", "num_nodes": 2, "gpus_per_node": 4},
  {"gpu_type": "h100-sxm", "num_nodes": 1, "gpus_per_node": 8},
  {"gpu_type": "lab-gpu", "num_nodes": 1, "gpus_per_node": 4}]})";

const char* model_json = R"({"kind": "model", "name": "my-llama-1b", "family": "dense_transformer", "hidden": 2048,
 "num_layers": 16, "heads": 16, "seq_len": 2048, "vocab": 32000, "dtype": "bf16"})";

// Fractional seconds as the reference's Venus and PAI traces write them; a model from --models
// (my-llama-1b), one named by path (tiny.json), a request for the user's GPU type, and one request
// (j12: 64 V100s) the cluster cannot hold.
const char* trace_csv =
    "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
    "j01,1591672193.176,400,gpt3-1.3b,1591772193.5,64,4,a100-80gb\n"
    "j02,1591672293.5,300,gpt3-350m,,32,2,v100\n"
    "j03,1591672393,500,bert__1.3B,,128,4,a10\n"
    "j04,1591672493,200,my-llama-1b,,64,8,h100-sxm\n"
    "j05,1591672593,300,gpt3-760m,,64,4,lab-gpu\n"
    "j06,1591672693,300,moe__690M,,256,2,a100-80gb\n"
    "j07,1591672793,300,wide_resnet__500M,,256,4,v100\n"
    "j08,1591672893,200,gpt3-2.7b,,64,8,h100-sxm\n"
    "j09,1591672993,300,gpt3-125m,,32,1,a10\n"
    "j10,1591673093,300,bert__760M,,128,2,a100-80gb\n"
    "j11,1591673193,300,tiny.json,,64,4,a100-80gb\n"
    "j12,1591673293,300,gpt3-350m,,32,64,v100\n";

const char* tiny_model = R"({"kind": "model", "name": "ignored", "family": "dense_transformer", "hidden": 1024,
 "num_layers": 8, "heads": 16, "seq_len": 1024, "vocab": 32000, "dtype": "fp16"})";

struct own_run {
  scratch s;
  cellsched::test::cli_result r;
  nlohmann::json doc;
  std::string jobs_csv;
  explicit own_run(const std::string& extra) : s("run") {
    const std::string c = s.write("cluster.json", cluster_json);
    (void)s.write("tiny.json", tiny_model);
    const std::string m = s.write("llama.json", model_json);
    const std::string t = s.write("trace.csv", trace_csv);
    const std::string json = (s.dir / "out" / "res.json").string();
    const std::string jobs = (s.dir / "out" / "jobs.csv").string();
    r = simulate(s, "--cluster " + c + " --trace " + t + " --models " + m + " --policy crius,fcfs --json " + json +
                        " --jobs-out " + jobs + " " + extra);
    if (r.status == 0) {
      doc = nlohmann::json::parse(slurp(json));
      jobs_csv = slurp(jobs);
    }
  }
};

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("own cluster: every job is accounted for, with a reason when it did not finish", "[sim][cli][own]") {
  own_run run("--quiet");
  INFO(run.r.err);
  REQUIRE(run.r.status == 0);
  // The table has no figures for three of the cluster's types: the estimator answers, and says so.
  CHECK(run.r.err.find("warning: --oracle auto: the reference table has no figures for GPU type(s) a100-80gb, "
                       "h100-sxm, lab-gpu of the cluster, so our analytic estimator answers for every job") !=
        std::string::npos);
  CHECK(run.r.err.find("warning: 1 job(s) request more v100-32gb GPUs than the cluster's 8; policies that honour "
                       "the request cannot place them (j12)") != std::string::npos);
  CHECK(run.r.out.find("iterations as loaded divided by 1 (as in the file)") != std::string::npos);
  CHECK(run.r.out.find("averaged over active (rounds with a running job)") != std::string::npos);
  CHECK(run.r.out.find("dropped") != std::string::npos);  // a column of the table
  CHECK(run.r.out.find("decide ms p50/p99/max") != std::string::npos);
  // FCFS honours j12's request, which cannot be met; the table says why.
  CHECK(run.r.out.find("1 x still pending when the run ended: it requests 64 v100-32gb GPUs; the cluster has 8 "
                       "(e.g. j12)") != std::string::npos);
  for (const auto& p : run.doc["policies"]) {
    INFO(p["policy"]);
    REQUIRE(p["submitted_jobs"] == 12);
    REQUIRE_FALSE(p.contains("reference"));  // not the reference experiment
    REQUIRE(p["jobs"].size() == 12);
    int accounted = 0;
    for (const auto& j : p["jobs"]) {
      if (j["state"] == "finished") {
        ++accounted;
        REQUIRE(j["allocations"].size() >= 1);
        REQUIRE(j["jct_s"].get<double>() > 0);
      } else {
        REQUIRE(j["reason"].is_string());  // never gone without a word
        ++accounted;
      }
    }
    REQUIRE(accounted == 12);
    // Throughput and utilisation follow the busy GPUs.
    const auto& busy = p["series"]["busy_gpus"];
    int busy_rounds = 0;
    for (const auto& b : busy) busy_rounds += b.get<int>() > 0 ? 1 : 0;
    REQUIRE(busy_rounds > 0);
    REQUIRE(p["avg_throughput_samples_per_s"].get<double>() > 0);
    REQUIRE(p["gpu_utilisation"].get<double>() > 0);
    REQUIRE(p["throughput_rounds_counted"] == busy_rounds);
    // The run ends when the jobs are done (or can do no more), not after 100,000 rounds.
    REQUIRE(p["series"]["throughput_samples_per_s"].size() < 100);
  }
  const auto& crius = run.doc["policies"][0];
  REQUIRE(crius["policy"] == "crius");
  REQUIRE(crius["finished_jobs"] == 12);  // Crius may resize j12 to what the cluster has
  // Fractional submission times are kept (the first job's window starts at its own time).
  REQUIRE(crius["jobs"][0]["submit_s"] == 1591672193.176);
  // --jobs-out: a header and one row per job and policy, with allocations and plans.
  REQUIRE(lines(run.jobs_csv) == 1 + 2 * 12);
  CHECK(run.jobs_csv.rfind("policy,job_id,model,global_batch,iterations,state,submit_s,start_s,end_s,jct_s,", 0) == 0);
  CHECK(run.jobs_csv.find("\ncrius,j04,my-llama-1b,64,200,finished,") != std::string::npos);
  CHECK(run.jobs_csv.find("\ncrius,j11,tiny.json,64,300,finished,") != std::string::npos);
  CHECK(run.jobs_csv.find("{pp ") != std::string::npos);
  CHECK(run.jobs_csv.find("\nfcfs,j12,gpt3-350m,32,300,pending,") != std::string::npos);
}

TEST_CASE("own cluster: --rounds runs exactly that many rounds; --reference applies the reference's conventions",
          "[sim][cli][own]") {
  own_run fixed("--quiet --rounds 40");
  INFO(fixed.r.err);
  REQUIRE(fixed.r.status == 0);
  REQUIRE(fixed.doc["policies"][0]["series"]["throughput_samples_per_s"].size() == 40);
  own_run ref("--quiet --reference");
  INFO(ref.r.err);
  REQUIRE(ref.r.status == 0);
  CHECK(ref.r.out.find("iterations as loaded divided by 5 (--reference: the CSV trace's generator multiplied them "
                       "by 5)") != std::string::npos);
  CHECK(ref.r.out.find("averaged over reference (rounds above 100 samples/s)") != std::string::npos);
  REQUIRE(ref.doc["inputs"]["iteration_divisor"] == 5);
  REQUIRE(ref.doc["policies"][0]["jobs"][3]["iterations"] == 40);
}

TEST_CASE("own cluster: progress goes to a log every few seconds and when a run ends", "[sim][cli][own]") {
  own_run run("");
  REQUIRE(run.r.status == 0);
  CHECK(run.r.err.find("simulate: crius done after ") != std::string::npos);
  CHECK(run.r.err.find("simulate: fcfs done after ") != std::string::npos);
}

TEST_CASE("own cluster: misuse gets its own message, before any simulation", "[sim][cli][own]") {
  scratch s("bad");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("trace.csv", trace_csv);
  const std::string models = " --models " + s.write("m.json", model_json);
  const std::string base = "--cluster " + c + " --trace " + t + models;
  // A folder given as a file.
  auto r = simulate(s, "--cluster " + s.dir.string() + " --trace " + t);
  REQUIRE(r.status == 2);
  CHECK(r.err.find(s.dir.string() + ": a file, got a directory") != std::string::npos);
  r = simulate(s, "--cluster " + c + " --trace " + s.dir.string());
  REQUIRE(r.status == 2);
  CHECK(r.err.find(s.dir.string() + ": a file, got a directory") != std::string::npos);
  r = simulate(s, "--cluster " + (s.dir / "nope.json").string() + " --trace " + t);
  REQUIRE(r.status == 2);
  CHECK(r.err.find("nope.json: an existing file (no such file or directory)") != std::string::npos);
  // An output that cannot be written is refused before the run.
  const std::string blocker = s.write("blocker", "x");
  r = simulate(s, base + " --json " + blocker + "/sub/res.json");
  REQUIRE(r.status == 2);
  CHECK(r.err.find("--json: cannot create the folder '" + blocker + "/sub'") != std::string::npos);
  CHECK(r.out.empty());
  r = simulate(s, base + " --jobs-out " + s.dir.string());
  REQUIRE(r.status == 2);
  CHECK(r.err.find("--jobs-out: '" + s.dir.string() + "' is a folder, not a file") != std::string::npos);
  // Command-line values are named as options.
  r = simulate(s, "--cluster " + c + " --trace " + t + " --models " + (s.dir / "none.json").string());
  REQUIRE(r.status == 2);
  CHECK(r.err.find("--models: no such file or folder '" + (s.dir / "none.json").string() + "'") != std::string::npos);
  // A model no file defines.
  r = simulate(s, "--cluster " + c + " --trace " + t);
  REQUIRE(r.status == 2);
  CHECK(r.err.find("trace.csv: field 'model': a model of the built-in zoo, of a --models file, or a model file's "
                   "path; job 'j04' names \"my-llama-1b\"") != std::string::npos);
  // Latin-1 bytes in a job id.
  const std::string latin1 = s.write("latin1.csv", std::string(
      "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
      "caf\xE9,1,300,gpt3-350m,,32,2,v100\n"));
  r = simulate(s, "--cluster " + c + models + " --trace " + latin1);
  REQUIRE(r.status == 2);
  CHECK(r.err.find("latin1.csv:2: field 'job_id': text in UTF-8") != std::string::npos);
  // The trace may request the cluster's own type, but not a type no one defined.
  const std::string other = s.write("other.csv", std::string(
      "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n"
      "a,1,300,gpt3-350m,,32,2,tpu-v9\n"));
  r = simulate(s, "--cluster " + c + models + " --trace " + other);
  REQUIRE(r.status == 2);
  CHECK(r.err.find("other.csv:2: field 'gpu_type': a GPU type known to the catalog (name or alias), got \"tpu-v9\"") !=
        std::string::npos);
  CHECK(r.err.find("lab-gpu") != std::string::npos);  // the cluster's own type is among the known ones
}

TEST_CASE("own cluster: an empty trace runs and is warned about", "[sim][cli][own]") {
  scratch s("empty");
  const std::string c = s.write("cluster.json", cluster_json);
  const std::string t = s.write("empty.csv",
                                "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\n");
  const auto r = simulate(s, "--cluster " + c + " --trace " + t + " --policy fcfs --quiet");
  REQUIRE(r.status == 0);
  CHECK(r.err.find("simulate: warning: the trace holds no jobs: nothing to simulate") != std::string::npos);
}
