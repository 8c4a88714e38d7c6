// The vTrain-layout CSV reader: both layouts, and strict errors that name the column and the line.
#include <catch2/catch.hpp>

#include <string>

#include "cellsched/estimate/measurements.hpp"

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
