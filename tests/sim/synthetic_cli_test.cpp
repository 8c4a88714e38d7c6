// `cellsched generate cluster|trace` end to end: files the strict loaders accept, the same bytes for the
// same seed, sizing against a cluster, and usage errors with exit status 2.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/trace_io.hpp>

#include "../support/cli_run.hpp"

namespace fs = std::filesystem;
using cellsched::test::run_cli;
using cellsched::test::slurp;

namespace {

struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name) : dir(cellsched::test::unique_temp_path("cellsched_generate_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace

TEST_CASE("cellsched generate cluster writes a cluster file the loader accepts") {
  const scratch s("cluster");
  const auto r = run_cli("generate cluster --gpus 1003 --types h100:1,a40:3 --out " + s.path("c.json"), s.dir / "io");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const cellsched::cluster c = cellsched::io::load_cluster_file(s.path("c.json"));
  CHECK(c.total_gpus() == 1'003);
  CHECK(c.total_gpus_of("a40") == 752);
  CHECK(run_cli("validate " + s.path("c.json"), s.dir / "io").status == 0);
  // Standard output when no --out is given: the same document.
  CHECK(run_cli("generate cluster --gpus 1003 --types h100:1,a40:3", s.dir / "io").out == slurp(s.path("c.json")));
}

TEST_CASE("cellsched generate trace: same seed same bytes, JSON and CSV load strictly") {
  const scratch s("trace");
  const std::string opts = "generate trace --jobs 300 --jobs-per-hour 50 --request-types a100:1,t4:2 --deadline-fraction 0.5";
  REQUIRE(run_cli(opts + " --seed 7 --out " + s.path("a.json"), s.dir / "io").status == 0);
  REQUIRE(run_cli(opts + " --seed 7 --out " + s.path("b.json"), s.dir / "io").status == 0);
  REQUIRE(run_cli(opts + " --seed 8 --out " + s.path("c.json"), s.dir / "io").status == 0);
  REQUIRE(run_cli(opts + " --seed 7 --out " + s.path("a.csv"), s.dir / "io").status == 0);
  CHECK(slurp(s.path("a.json")) == slurp(s.path("b.json")));
  CHECK(slurp(s.path("a.json")) != slurp(s.path("c.json")));
  const auto from_json = cellsched::io::load_trace_file(s.path("a.json"));
  const auto from_csv = cellsched::io::load_trace_file(s.path("a.csv"));
  REQUIRE(from_json.size() == 300);
  CHECK(cellsched::io::trace_to_json(from_json).dump() == cellsched::io::trace_to_json(from_csv).dump());
  // Request types are stored by canonical name ("a100" is the 40 GB part).
  for (const auto& j : from_json)
    CHECK((*j.requested_gpu_type == "a100-40gb" || *j.requested_gpu_type == "t4"));
}

TEST_CASE("cellsched generate trace: every job requests a GPU type by default; 'none' requests none") {
  const scratch s("types");
  REQUIRE(run_cli("generate trace --jobs 200 --seed 3 --out " + s.path("d.json"), s.dir / "io").status == 0);
  std::set<std::string> seen;
  for (const auto& j : cellsched::io::load_trace_file(s.path("d.json"))) {
    REQUIRE(j.requested_gpu_type);
    seen.insert(*j.requested_gpu_type);
  }
  CHECK(seen.size() >= 6);  // drawn from the eight default types by share
  CHECK(seen.count("h100-sxm") == 1);
  REQUIRE(run_cli("generate trace --jobs 50 --seed 3 --request-types none --out " + s.path("n.json"), s.dir / "io")
              .status == 0);
  for (const auto& j : cellsched::io::load_trace_file(s.path("n.json"))) CHECK_FALSE(j.requested_gpu_type);
}

TEST_CASE("cellsched generate trace --cluster --load sizes the rate against the cluster") {
  const scratch s("load");
  REQUIRE(run_cli("generate cluster --gpus 256 --types a100-80gb:1,a10:1 --out " + s.path("c.json"), s.dir / "io").status == 0);
  const std::string base = "generate trace --jobs 400 --cluster " + s.path("c.json") + " --duration-median-h 2 --diurnal-amplitude 0";
  const auto low = run_cli(base + " --load 0.4 --out " + s.path("low.json"), s.dir / "io");
  const auto high = run_cli(base + " --load 0.8 --out " + s.path("high.json"), s.dir / "io");
  INFO(low.err);
  REQUIRE(low.status == 0);
  REQUIRE(high.status == 0);
  CHECK_THAT(low.err, Catch::Contains("jobs per hour for load 0.400"));
  const auto a = cellsched::io::load_trace_file(s.path("low.json"));
  const auto b = cellsched::io::load_trace_file(s.path("high.json"));
  REQUIRE(a.size() == b.size());
  // Twice the load: the same jobs arrive twice as fast (a flat rate; times are floored to seconds).
  CHECK(b.back().submit_time_s == Approx(a.back().submit_time_s / 2).epsilon(0.01));
  CHECK(a[17].model == b[17].model);
  for (const auto& j : a) CHECK((*j.requested_gpu_type == "a100-80gb" || *j.requested_gpu_type == "a10"));
}

TEST_CASE("cellsched generate: usage errors exit with status 2 and say why") {
  const scratch s("errors");
  const auto check = [&](const std::string& args, const std::string& says) {
    const auto r = run_cli("generate " + args, s.dir / "io");
    INFO(args << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(says));
  };
  check("", "'cluster' or 'trace'");
  check("galaxy", "'cluster' or 'trace'");
  check("cluster --jobs 5", "--jobs is a trace option");
  check("trace --gpus 5", "--gpus is a cluster option");
  check("trace --load 0.5", "need --cluster");
  check("trace --models nope:1", "unknown model 'nope'");
  check("trace --gpu-counts 4:1,x:2", "'x' is not a positive integer");
  check("trace --request-types tpu:1", "unknown GPU type 'tpu'");
  check("cluster --types a100:-1", "weight must be a number >= 0");
  check("cluster --types tpu", "tpu");
  CHECK(run_cli("generate --help", s.dir / "io").out.find("generate trace") != std::string::npos);
}
