// The vTrain-layout CSV reader: both layouts, and strict errors that name the column and the line.
#include <catch2/catch.hpp>

#include <string>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"

using namespace cellsched;

namespace {
const std::string header =
    "# GPUs,global batch,micro batch,hidden size,attention heads,# layers,sequence length,tensor parallelism,"
    "data parallelism,pipeline parallelism,iteration time (ms)\n";

std::string error_of(const std::string& text) {
  try {
    (void)parse_measurements_csv(text, "t.csv");
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("reads the single-node layout", "[estimate][measurements]") {
  const auto rows =
      parse_measurements_csv("\xEF\xBB\xBF" + header + "8,32,4,1024,16,24,1024,2,2,2,219.732754\n\n", "t.csv");
  REQUIRE(rows.size() == 1);
  const auto& r = rows[0];
  REQUIRE((r.line == 2 && r.gpus == 8 && r.global_batch == 32 && r.micro_batch == 4 && r.hidden == 1024));
  REQUIRE((r.heads == 16 && r.layers == 24 && r.seq_len == 1024 && r.tp == 2 && r.dp == 2 && r.pp == 2));
  REQUIRE(r.iter_time_ms == 219.732754);
  REQUIRE(r.params_billion == 0.0);
}

TEST_CASE("reads the layout with a leading parameter column", "[estimate][measurements]") {
  const auto rows =
      parse_measurements_csv("Parameters (billion)," + header + "1.3,16,64,1,2048,16,24,2048,2,4,2,900.5\n");
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].params_billion == 1.3);
  REQUIRE(rows[0].gpus == 16);
  REQUIRE(rows[0].seq_len == 2048);
}

TEST_CASE("bad measurement tables are rejected with the line and column", "[estimate][measurements]") {
  REQUIRE(error_of("").find("empty") != std::string::npos);
  REQUIRE(error_of("a,b,c\n").find("t.csv:1") != std::string::npos);
  const std::string wrong_name =
      "# GPUs,global batch,micro batch,hidden,attention heads,# layers,sequence length,"
      "tensor parallelism,data parallelism,pipeline parallelism,iteration time (ms)\n";
  REQUIRE(error_of(wrong_name).find("hidden size") != std::string::npos);
  REQUIRE(error_of(header + "8,32,4,1024,16,24,1024,2,2,2\n").find("t.csv:2") != std::string::npos);
  const std::string bad_number =
      error_of(header + "8,32,4,1024,16,24,1024,2,2,2,1.0\n8,32,x,1024,16,24,1024,2,2,2,1\n");
  REQUIRE(bad_number.find("t.csv:3") != std::string::npos);
  REQUIRE(bad_number.find("micro batch") != std::string::npos);
  REQUIRE(error_of(header + "8,32,4,1024,16,24,1024,2,2,2,-5\n").find("iteration time") != std::string::npos);
  REQUIRE(error_of(header + "8,32,4.5,1024,16,24,1024,2,2,2,5\n").find("integer") != std::string::npos);
  REQUIRE(error_of(header + "8,32,4,1024,16,24,1024,2,2,2,nan\n").find("finite") != std::string::npos);
  REQUIRE_THROWS_AS(load_measurements_file("/nonexistent/file.csv"), input_error);
}

TEST_CASE("optional columns after the eleven: read in any order, unknown ones named", "[estimate][measurements]") {
  const std::string h = header.substr(0, header.size() - 1);
  const auto rows = parse_measurements_csv(h +
                                               ",recompute,virtual stages,sequence parallel,overlap grad reduce,gpu type,"
                                               "vocabulary,dtype,gpus per node\n"
                                               "64,64,1,12288,96,96,2048,8,1,8,13750,selective,3,yes,no,a100-80gb,"
                                               "51200,bf16,8\n",
                                           "t.csv");
  REQUIRE(rows.size() == 1);
  const auto& r = rows[0];
  REQUIRE((r.recompute == "selective" && r.virtual_stages == 3 && r.sequence_parallel == "yes"));
  REQUIRE((r.overlap_grad_reduce == "no" && r.gpu_type == "a100-80gb" && r.vocab == 51200));
  REQUIRE((r.dtype == "bf16" && r.gpus_per_node == 8));
  // Absent optional columns stay empty / 0 (the table's setup applies).
  const auto plain = parse_measurements_csv(header + "8,32,4,1024,16,24,1024,2,2,2,219.7\n");
  REQUIRE((plain[0].recompute.empty() && plain[0].virtual_stages == 0 && plain[0].gpu_type.empty()));

  const std::string unknown = error_of(h + ",flash attention\n");
  REQUIRE(unknown.find("flash attention") != std::string::npos);
  REQUIRE(unknown.find("t.csv:1") != std::string::npos);
  REQUIRE(error_of(h + ",dtype,dtype\n").find("twice") != std::string::npos);
  const std::string bad_value = error_of(h + ",recompute\n8,32,4,1024,16,24,1024,2,2,2,5,partial\n");
  REQUIRE(bad_value.find("none|selective|full") != std::string::npos);
  REQUIRE(bad_value.find("t.csv:2") != std::string::npos);
  REQUIRE(error_of(h + ",recompute\n8,32,4,1024,16,24,1024,2,2,2,5\n").find("12 comma-separated") !=
          std::string::npos);
}

TEST_CASE("the software column names a software stack; rows run on it", "[estimate][measurements]") {
  const std::string h = header.substr(0, header.size() - 1);
  const auto rows = parse_measurements_csv(h + ",software\n8,16,16,4096,32,42,1024,8,1,1,1343,megatron-lm-2021\n"
                                               "8,16,16,4096,32,42,1024,8,1,1,1343,megatron-lm\n",
                                           "t.csv");
  REQUIRE((rows[0].software == "megatron-lm-2021" && rows[1].software == "megatron-lm"));
  const std::string bad = error_of(h + ",software\n8,16,16,4096,32,42,1024,8,1,1,1343,deepspeed\n");
  REQUIRE(bad.find("t.csv:2") != std::string::npos);
  REQUIRE(bad.find("software") != std::string::npos);
  REQUIRE(bad.find("megatron-lm|megatron-lm-2021") != std::string::npos);
  REQUIRE(bad.find("'deepspeed'") != std::string::npos);
  // The same run, in line (2021) and with the asynchronous all-reduce: the in-line one is slower by the
  // backward all-reduces the weight-gradient GEMMs would have hidden.
  const auto preds = predict_measurements(analytic_estimator(builtin_catalog()), rows);
  REQUIRE((preds[0].predicted() && preds[1].predicted()));
  REQUIRE(preds[0].predicted_ms > preds[1].predicted_ms);
}

TEST_CASE("measurements: a folder or a missing file gets the message every other input gets") {
  const std::string dir = std::string(CELLSCHED_SOURCE_DIR) + "/data";
  CHECK_THROWS_WITH(cellsched::load_measurements_file(dir), Catch::Contains(dir + ": a file, got a directory"));
  CHECK_THROWS_WITH(cellsched::load_measurements_file(dir + "/no-such.csv"),
                    Catch::Contains("no-such.csv: an existing file (no such file or directory)"));
}
