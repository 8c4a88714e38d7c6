// Inputs the libFuzzer targets (tests/fuzz, docs/fuzzing.md) found breaking the parser contract -- a value
// or an input_error, and accepted values that write and read back unchanged -- kept as known answers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/profile_json.hpp"
#include "cellsched/io/trace_io.hpp"
#include "check_input_error.hpp"

using namespace cellsched;
using cellsched::test::check_input_error;

namespace {

const std::string header = std::string(io::trace_csv_header) + "\n";

std::vector<job> csv(const std::string& text) { return io::parse_trace_csv(text, "t.csv"); }

}  // namespace

TEST_CASE("fuzz: a CSV job id that is not UTF-8 is an input_error, not a job JSON cannot write") {
  // fuzz_trace_csv: the id "ce\xff..." was accepted and trace_to_json(...).dump() then threw
  // nlohmann's type_error 316 (invalid UTF-8).
  check_input_error(
      [] {
        (void)csv(header +
                  "ce\xff\xff"
                  "e1b69f,3435456,27567,moe__10B,3444538,256,16,a40\n");
      },
      "t.csv", "job_id", "text in UTF-8");
  check_input_error([] { (void)csv(header + "j1,0,10,bert__1.3B,,256,4,a\xc3\n"); }, "t.csv", "gpu_type",
                    "text in UTF-8");
  // Well-formed multi-byte names still load and write as JSON.
  const auto jobs = csv(header + "j\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80,0,10,bert__1.3B,,256,4,a100\n");
  REQUIRE(jobs.size() == 1);
  CHECK(io::parse_trace_json(io::parse_json_text(io::trace_to_json(jobs).dump(), "t.json"), "t.json")[0].id ==
        jobs[0].id);
}

TEST_CASE("fuzz: UTF-8 validation follows Unicode table 3-7") {
  using io::job_detail::valid_utf8;
  CHECK(valid_utf8("plain"));
  CHECK(valid_utf8("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"));
  CHECK_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate U+D800
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(valid_utf8("\x80"));              // lone continuation byte
  CHECK_FALSE(valid_utf8("\xff"));
}

TEST_CASE("fuzz: CSV times past 9e15 s are an input_error, so every loaded trace writes back as CSV") {
  // fuzz_trace_csv: submission_time 9223372036854775807 was read (rounded to 9.223372036854776e18 s) and
  // trace_csv_text then refused the job with std::invalid_argument.
  check_input_error([] { (void)csv(header + "j1,9223372036854775807,10,bert__1.3B,,256,4,a100\n"); }, "t.csv",
                    "submission_time", "a number of seconds <= 9000000000000000");
  check_input_error([] { (void)csv(header + "j1,0,10,bert__1.3B,9000000000000001,256,4,a100\n"); }, "t.csv", "deadline",
                    "a number of seconds <= 9000000000000000");
  const std::string at_bound = header + "j1,9000000000000000,10,bert__1.3B,9000000000000000,256,4,a100-40gb\n";
  const auto jobs = csv(at_bound);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].submit_time_s == 9e15);
  CHECK(io::trace_csv_text(jobs) == at_bound);
}

TEST_CASE("fuzz: a profile time so small that its derived figure overflows is an input_error") {
  // Found while writing fuzz_profile_json's derived-figure check: time_s 1e-300 makes the expected
  // TFLOP/s (or GB/s) inf, and |stored - inf| > 1 % of inf is false, so any stored figure was accepted.
  const auto profile = [](const std::string& gemm, const std::string& memory) {
    return R"({"kind":"profile","gpu_type":"h100-sxm","device_name":"x","driver_version":"x","cuda_version":"x",
      "nccl_version":"x","date":"2025-01-31","host":"h","mode":"full","tool":"t","num_gpus":8,"notes":[],
      "collectives":[],"gemm":[)" +
           gemm + R"(],"memory":[)" + memory + "]}";
  };
  const auto load = [](const std::string& text) {
    (void)io::parse_profile(io::parse_json_text(text, "p.json"), "p.json");
  };
  check_input_error(
      [&] { load(profile(R"({"m":4096,"n":4096,"k":4096,"dtype":"bf16","time_s":1e-300,"tflops":1})", "")); }, "p.json",
      "gemm[0].tflops", "expected inf within 1 %");
  check_input_error([&] { load(profile("", R"({"kernel":"copy","bytes":1e300,"time_s":1e-300,"gb_per_s":5})")); },
                    "p.json", "memory[0].gb_per_s", "expected inf within 1 %");
  // The same points with consistent figures load.
  CHECK_NOTHROW(load(profile(R"({"m":4096,"n":4096,"k":4096,"dtype":"bf16","time_s":0.000251,"tflops":547.6})",
                             R"({"kernel":"copy","bytes":2147483648,"time_s":0.000512,"gb_per_s":4194.3})")));
}
