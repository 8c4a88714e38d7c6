// Observation files: JSON and CSV forms read strictly, every error naming the file, field and line.
#include <catch2/catch.hpp>

#include <string>

#include <cellsched/io/observation_io.hpp>

#include "../io/check_input_error.hpp"

using namespace cellsched;
using cellsched::test::check_input_error;

namespace {
const std::string header = std::string(io::observations_csv_header) + "\n";
std::vector<observation> csv(const std::string& text) { return io::parse_observations_csv(text, "o.csv"); }
std::vector<observation> json(const std::string& text) {
  return io::parse_observations_json(io::json::parse(text), "o.json");
}
}  // namespace

TEST_CASE("observations: CSV and JSON forms of the same reports agree", "[adapt][io]") {
  const auto a = csv(header + "j1,bert__1.3B,128,a100,4+4,2,1.92,3600\nj2,gpt3-350m,32,v100,8,,0.5,3600.5\n");
  REQUIRE(a.size() == 2);
  CHECK(a[0].gpu_type == "a100-40gb");  // canonical name
  CHECK(a[0].layout == node_layout{4, 4});
  CHECK(a[0].stages == 2);
  CHECK(a[0].num_gpus() == 8);
  CHECK(a[1].stages == 0);
  const auto b = json(R"({"kind": "observations", "observations": [
    {"job_id": "j1", "model": "bert__1.3B", "global_batch": 128, "gpu_type": "A100", "layout": [4, 4], "stages": 2,
     "iter_time_s": 1.92, "time_s": 3600},
    {"job_id": "j2", "model": "gpt3-350m", "global_batch": 32, "gpu_type": "v100", "layout": [8],
     "iter_time_s": 0.5, "time_s": 3600.5, "compute_s": 0.4, "comm_s": 0.1, "plan": "pp 1, dp 8 x tp 1"}]})");
  REQUIRE(b.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(io::to_json(a[i])["layout"] == io::to_json(b[i])["layout"]);
    CHECK(a[i].iter_time_s == b[i].iter_time_s);
    CHECK(a[i].gpu_type == b[i].gpu_type);
  }
  CHECK(*b[1].compute_s == 0.4);
  // Written JSON reads back the same.
  io::json doc = {{"kind", "observations"}, {"observations", {io::to_json(b[0]), io::to_json(b[1])}}};
  const auto c = io::parse_observations_json(doc, "w.json");
  CHECK(io::to_json(c[1]) == io::to_json(b[1]));
}

TEST_CASE("observations: bad rows and fields are named", "[adapt][io]") {
  auto bad_row = [](const std::string& row, const std::string& field, const std::string& expected) {
    check_input_error([&] { (void)csv(header + row); }, "o.csv", field, expected);
  };
  bad_row("j1,bert__1.3B,128,a100,4+4,2,0,3600\n", "iter_time_s", "a number > 0, got \"0\"");
  bad_row("j1,bert__1.3B,128,a100,4+4,2,nan,3600\n", "iter_time_s", "a finite number, got \"nan\"");
  bad_row("j1,bert__1.3B,128,a100,4+4,2,-1,3600\n", "iter_time_s", "a number > 0");
  bad_row("j1,bert__1.3B,128,a100,4+,2,1,3600\n", "layout", "GPUs per node (1 to 1024) joined by '+'");
  bad_row("j1,bert__1.3B,128,a100,0,2,1,3600\n", "layout", "GPUs per node (1 to 1024)");
  bad_row("j1,bert__1.3B,12.5,a100,4,2,1,3600\n", "global_batch", "an integer, got \"12.5\"");
  bad_row("j1,bert__1.3B,128,tpu,4,2,1,3600\n", "gpu_type", "a GPU type known to the catalog");
  bad_row("j1,bert__1.3B,128,a100,4,2,1\n", "", "8 comma-separated columns, got 7");
  bad_row("j\xE9,bert__1.3B,128,a100,4,2,1,3600\n", "job_id", "a non-empty UTF-8 name");
  check_input_error([] { (void)csv("job,model\n"); }, "o.csv", "<header>", "the header row job_id,model,");
  auto bad_json = [](const std::string& obs, const std::string& field, const std::string& expected) {
    check_input_error([&] { (void)json(R"({"kind": "observations", "observations": [)" + obs + "]}"); }, "o.json",
                      field, expected);
  };
  const std::string ok = R"("job_id": "j1", "model": "m", "global_batch": 8, "gpu_type": "a10", "time_s": 0)";
  bad_json("{" + ok + R"(, "layout": [4], "iter_time_s": 0})", "observations[0].iter_time_s", "a number of seconds > 0");
  bad_json("{" + ok + R"(, "layout": [], "iter_time_s": 1})", "observations[0].layout", "a non-empty array");
  bad_json("{" + ok + R"(, "layout": [1.5], "iter_time_s": 1})", "observations[0].layout[0]", "an integer number of GPUs");
  bad_json("{" + ok + R"(, "layout": [4], "iter_time_s": 1, "gpus": 4})", "observations[0].gpus", "unknown");
  check_input_error([] { (void)io::parse_online_state(io::json::parse(R"({"kind": "trace"})"), "s.json"); }, "s.json",
                    "kind", "\"online_state\", got \"trace\"");
}
