// Traces and jobs: the bundled Philly trace, CSV and JSON round trips, and every class of bad input.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "check_input_error.hpp"
#include "cellsched/io/trace_io.hpp"

using namespace cellsched;
using cellsched::test::check_input_error;

namespace {

const std::string header = std::string(io::trace_csv_header) + "\n";
const std::string good_row = "a,100,500,bert__2.6B,900,256,4,a40\n";

std::vector<job> csv(const std::string& text, const io::trace_options& o = {}) {
  return io::parse_trace_csv(text, "t.csv", o);
}

void check_bad_row(const std::string& row, std::size_t line, const std::string& column, const std::string& expected) {
  try {
    (void)csv(header + good_row + row);
    FAIL("no input_error thrown");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.file() == "t.csv");
    CHECK(e.line() == line);
    CHECK(e.field() == column);
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
}

std::string philly_path() { return std::string(CELLSCHED_DATA_DIR) + "/traces/philly.csv"; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("trace: the bundled Philly trace loads raw, with ids, models and GPU types resolved") {
  const auto jobs = io::load_trace_file(philly_path());
  REQUIRE(jobs.size() == 1938);
  const job& first = jobs.front();
  CHECK(first.id == "f043f272-f7a0-6861-353c-30479e8fffc1");
  CHECK(first.submit_time_s == 1945645.0);
  CHECK(first.iterations == 119965);  // raw: the reference simulator divides by 5 itself
  CHECK(first.model == "bert__2.6B");
  CHECK(first.deadline_s == 1956739.0);
  CHECK(first.global_batch == 256);
  CHECK(first.requested_gpus == 4);
  CHECK(first.requested_gpu_type == "a40");
  CHECK(jobs[1].requested_gpu_type == "v100-32gb");  // "v100" is the catalog alias of the 32 GB part
  std::set<std::string> types;
  for (const auto& j : jobs) types.insert(*j.requested_gpu_type);
  CHECK(types == std::set<std::string>{"a10", "a100-40gb", "a40", "v100-32gb"});
  CHECK(jobs.back().submit_time_s == 3660282.0);
}

TEST_CASE("trace: iteration_divisor applies the reference's integer division") {
  io::trace_options o;
  o.iteration_divisor = 5;
  const auto jobs = io::load_trace_file(philly_path(), o);
  CHECK(jobs.front().iterations == 119965 / 5);
  CHECK(jobs[1].iterations == 284315 / 5);  // 56863, rounded down
  o.iteration_divisor = 0;
  CHECK_THROWS_AS(io::load_trace_file(philly_path(), o), std::invalid_argument);
  o.iteration_divisor = 1000;
  check_input_error([&] { (void)csv(header + good_row, o); }, "t.csv", "num_iteration", "at least iteration_divisor");
}

TEST_CASE("trace: CSV round trip through write_trace_csv and JSON round trip") {
  const auto jobs = io::load_trace_file(philly_path());
  const std::string text = io::trace_csv_text(jobs);
  const auto back = csv(text);
  REQUIRE(back.size() == jobs.size());
  CHECK(io::trace_to_json(back) == io::trace_to_json(jobs));
  // Only the GPU names change (canonical instead of alias); with them spelled canonically the bytes match.
  CHECK(io::trace_csv_text(back) == text);
  const auto from_json = io::parse_trace_json(io::json::parse(io::trace_to_json(jobs).dump()), "t.json");
  CHECK(io::trace_to_json(from_json) == io::trace_to_json(jobs));

  const std::string path = std::string(CELLSCHED_SOURCE_DIR) + "/build-h2-trace-roundtrip.csv";
  io::write_trace_csv(jobs, path);
  CHECK(read_text(path) == text);
  CHECK(io::load_trace_file(path).size() == 1938);
  std::remove(path.c_str());
}

TEST_CASE("trace: the tiny JSON trace and optional fields") {
  const auto jobs = io::load_trace_file(std::string(CELLSCHED_DATA_DIR) + "/traces/tiny.json");
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0].requested_gpu_type == "a100-40gb");
  CHECK(jobs[1].deadline_s == 7200.0);
  CHECK_FALSE(jobs[2].requested_gpu_type);
  CHECK(jobs[2].requested_gpus == 0);
  CHECK(jobs[3].weight == 2.0);
  CHECK(jobs[3].submit_time_s == 450.5);
  // Weights do not fit the reference CSV; fractional seconds do.
  CHECK_THROWS_AS(io::trace_csv_text(jobs), std::invalid_argument);
  auto unweighted = jobs;
  unweighted[3].weight = 1.0;
  CHECK(io::trace_to_json(csv(io::trace_csv_text(unweighted))) == io::trace_to_json(unweighted));
  // Empty deadline / GPU columns mean "none" and round-trip.
  const auto two = std::vector<job>(jobs.begin(), jobs.begin() + 3);
  CHECK(io::trace_to_json(csv(io::trace_csv_text(two))) == io::trace_to_json(two));
}

TEST_CASE("trace: every class of bad CSV row names the file, line and column") {
  check_bad_row("b,1,2,bert__2.6B,9,256,4\n", 3, "", "8 comma-separated columns, got 7");
  check_bad_row("b,1,2,bert__2.6B,9,256,4,a40,x\n", 3, "", "got 9");
  check_bad_row("b,1.5.1,2,bert__2.6B,9,256,4,a40\n", 3, "submission_time",
                "a number of seconds (digits, optionally a fraction), got \"1.5.1\"");
  check_bad_row("b,nan,2,bert__2.6B,9,256,4,a40\n", 3, "submission_time", "a number of seconds (digits");
  check_bad_row("b,inf,2,bert__2.6B,9,256,4,a40\n", 3, "submission_time", "a number of seconds (digits");
  check_bad_row("b,1e3,2,bert__2.6B,9,256,4,a40\n", 3, "submission_time", "a number of seconds (digits");
  check_bad_row("b,-1,2,bert__2.6B,9,256,4,a40\n", 3, "submission_time", "a number of seconds >= 0");
  check_bad_row("b,1,2,bert__2.6B,1e99,256,4,a40\n", 3, "deadline", "a number of seconds (digits");
  check_bad_row("b,1,2,bert__2.6B,99999999999999999,256,4,a40\n", 3, "deadline",
                "a number of seconds <= 9000000000000000");
  check_bad_row("b\xE9,1,2,bert__2.6B,9,256,4,a40\n", 3, "job_id", "text in UTF-8 (the field holds bytes that are not");
  check_bad_row("b,1,0,bert__2.6B,9,256,4,a40\n", 3, "num_iteration", "an integer >= 1");
  check_bad_row("b,1,2,bert__2.6B,9,0,4,a40\n", 3, "batch_size", "an integer >= 1");
  check_bad_row("b,1,2,bert__2.6B,9,256,-4,a40\n", 3, "num_gpu", "an integer >= 1");
  check_bad_row("b,1,2,bert__2.6B,9,256,x4,a40\n", 3, "num_gpu", "an integer, got \"x4\"");
  check_bad_row("b,1,2,bert__2.6B,9,256, 4,a40\n", 3, "num_gpu", "an integer");
  check_bad_row("b,10,2,bert__2.6B,9,256,4,a40\n", 3, "deadline", "a deadline >= submission_time");
  check_bad_row("b,1,2,bert__2.7B,9,256,4,a40\n", 3, "model_name", "got \"bert__2.7B\" (known: bert__1.3B");
  check_bad_row("b,1,2,bert__2.6B,9,256,4,tpu\n", 3, "gpu_type", "got \"tpu\" (known: ");
  check_bad_row("a,1,2,bert__2.6B,9,256,4,a40\n", 3, "job_id", "not used earlier (first used on line 2)");
  check_bad_row(",1,2,bert__2.6B,9,256,4,a40\n", 3, "job_id", "a non-empty name");
  check_bad_row("\"b\",1,2,bert__2.6B,9,256,4,a40\n", 3, "job_id", "without spaces, quotes");
  check_bad_row("\nb,1,2,bert__2.6B,9,256,4,a40\n", 3, "", "got an empty line");
  check_bad_row("b,1,99999999999999999999,bert__2.6B,9,256,4,a40\n", 3, "num_iteration", "an integer");
  check_input_error([] { (void)csv("job_id,submission_time\n"); }, "t.csv", "<header>", "the header row job_id,");
  check_input_error([] { (void)csv(""); }, "t.csv", "<header>", "the header row");
}

TEST_CASE("trace: fractional seconds in submission times and deadlines, as the reference's Venus and PAI traces write") {
  const auto jobs = csv(header + "a,1591672193.176,2,bert__2.6B,1591675793.5,256,4,a40\nb,7,2,bert__2.6B,7.25,256,,\n");
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].submit_time_s == 1591672193.176);
  CHECK(jobs[0].deadline_s == 1591675793.5);
  CHECK(jobs[1].deadline_s == 7.25);
  // Written back in the shortest form that reads back to the same value.
  const std::string text = io::trace_csv_text(jobs);
  CHECK(text.find("a,1591672193.176,2,bert__2.6B,1591675793.5,") != std::string::npos);
  CHECK(io::trace_to_json(csv(text)) == io::trace_to_json(jobs));
}

TEST_CASE("trace: CRLF line ends, a byte-order mark and a missing final newline are accepted") {
  const auto jobs = csv("\xEF\xBB\xBF" + std::string(io::trace_csv_header) + "\r\na,1,2,bert__2.6B,9,256,4,a40\r\nb,1,2,moe__10B,,256,,");
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].model == "moe__10B");
  CHECK_FALSE(jobs[1].deadline_s);
  CHECK(jobs[1].requested_gpus == 0);
  CHECK_FALSE(jobs[1].requested_gpu_type);
}

TEST_CASE("trace: checks can use another zoo and catalog, or be skipped") {
  io::trace_options o;
  o.checks.models = nullptr;
  o.checks.gpus = nullptr;
  const auto jobs = csv(header + "a,1,2,my_model,9,256,4,TPU-v4\n", o);
  CHECK(jobs[0].model == "my_model");
  CHECK(jobs[0].requested_gpu_type == "tpu-v4");
  model_zoo zoo;
  zoo.add(gpt_config(256, 2, 4, 128));
  o.checks.models = &zoo;
  check_input_error([&] { (void)csv(header + good_row, o); }, "t.csv", "model_name", "(known: gpt-h256-l2-a4-s128)");
}

TEST_CASE("job json: a job file, and bad job objects name the field path") {
  const std::string path = std::string(CELLSCHED_SOURCE_DIR) + "/build-h2-job.json";
  job j;
  j.id = "x1";
  j.model = "moe__10B";
  j.global_batch = 512;
  j.iterations = 100;
  j.submit_time_s = 12.5;
  j.deadline_s = 100.0;
  j.requested_gpu_type = "a100-80gb";
  j.requested_gpus = 8;
  j.weight = 0.5;
  io::save_job_file(j, path);
  const job back = io::load_job_file(path);
  CHECK(io::to_json(back) == io::to_json(j));
  std::remove(path.c_str());

  auto bad = [](const char* text, const std::string& field, const std::string& expected) {
    check_input_error([&] { (void)io::parse_trace_json(io::json::parse(text), "t.json"); }, "t.json", field, expected);
  };
  const std::string ok = R"("model":"bert__350M","global_batch":8,"iterations":10,"submit_time_s":0)";
  auto trace = [&](const std::string& jobs) { return R"({"kind":"trace","jobs":[)" + jobs + "]}"; };
  bad(trace(R"({"id":"a",)" + ok + R"(,"gpus":4})").c_str(), "jobs[0].gpus", "unknown key");
  bad(trace(R"({"id":"a",)" + ok + R"(,"requested_gpus":0})").c_str(), "jobs[0].requested_gpus", "[1, ");
  bad(trace(R"({"id":"a",)" + ok + R"(,"requested_gpu_type":"h1000"})").c_str(), "jobs[0].requested_gpu_type",
      "got \"h1000\" (known: ");
  bad(trace(R"({"id":"a",)" + ok + R"(,"deadline_s":-1})").c_str(), "jobs[0].deadline_s", "a number in [0, ");
  bad(trace(R"({"id":"a",)" + ok + R"(,"weight":0})").c_str(), "jobs[0].weight", "> 0");
  bad(trace(R"({"id":"a","model":"bert__350M","global_batch":8,"iterations":1.5,"submit_time_s":0})").c_str(),
      "jobs[0].iterations", "an integer");
  bad(trace(R"({"id":"a","model":"bert__350M","global_batch":"8","iterations":1,"submit_time_s":0})").c_str(),
      "jobs[0].global_batch", "an integer");
  bad(trace(R"({"id":"a","model":"bert__350M","iterations":1,"submit_time_s":0})").c_str(), "jobs[0].global_batch",
      "missing");
  bad(trace(R"({"id":"a","model":"nope","global_batch":8,"iterations":1,"submit_time_s":0})").c_str(),
      "jobs[0].model", "known: ");
  bad(trace(R"({"id":"a",)" + ok + R"(},{"id":"a",)" + ok + "}").c_str(), "jobs[1].id", "first used by jobs[0]");
  bad(trace(R"({"kind":"cluster","id":"a",)" + ok + "}").c_str(), "jobs[0].kind", "\"job\"");
  bad(R"({"kind":"model","jobs":[]})", "kind", "\"trace\"");
  check_input_error([] { (void)io::load_job_file("/nonexistent/job.json"); }, "/nonexistent/job.json", "", "no such file or directory");
  check_input_error([] { (void)io::load_trace_file("/nonexistent/t.csv"); }, "/nonexistent/t.csv", "", "no such file or directory");
}
