#include <catch2/catch.hpp>

#include <cellsched/io/profile_json.hpp>

#include <limits>
#include <string>

using namespace cellsched;
using io::json;

namespace {

// A syntactically complete profile for the reader's tests. The figures are fixtures chosen so that the
// derived fields are exact, not measurements of any GPU.
probe_profile sample_profile() {
  probe_profile p;
  p.gpu_type = "h100-sxm";
  p.device_name = "NVIDIA H100 80GB HBM3";
  p.driver_version = "13.0";
  p.cuda_version = "13.0";
  p.nccl_version = "2.28.9";
  p.date = "2025-01-31T12:00:00Z";
  p.host = "node01";
  p.mode = "full";
  p.tool = "cellsched 0.1.0 probe";
  p.num_gpus = 8;
  p.notes = {"fixture"};
  // 2 * 4096^3 = 137438953472 flops in 0.25 ms -> 549.755813888 TFLOP/s.
  p.gemm.push_back({4096, 4096, 4096, dtype::bf16, 0.25e-3, 2.0 * 4096.0 * 4096.0 * 4096.0 / 0.25e-3 / 1e12});
  p.gemm.push_back({4096, 4096, 4096, dtype::tf32, 1.0e-3, 2.0 * 4096.0 * 4096.0 * 4096.0 / 1.0e-3 / 1e12});
  p.memory.push_back({"copy", 2.0 * 1073741824.0, 1.0e-3, 2.0 * 1073741824.0 / 1.0e-3 / 1e9});
  p.memory.push_back({"triad", 3.0 * 1073741824.0, 1.6e-3, 3.0 * 1073741824.0 / 1.6e-3 / 1e9});
  collective_series ar{"all_reduce", 8, 1, {}};
  for (const double bytes : {8.0, 1048576.0, 1073741824.0}) {
    const double t = 20e-6 + bytes / 200e9;
    const double algo = bytes / t / 1e9;
    ar.points.push_back({bytes, t, algo, algo * 2.0 * 7.0 / 8.0});
  }
  p.collectives.push_back(ar);
  collective_series sr{"send_recv", 2, 1, {{4096.0, 10e-6, 4096.0 / 10e-6 / 1e9, 4096.0 / 10e-6 / 1e9}}};
  p.collectives.push_back(sr);
  p.source = "sample.json";
  return p;
}

void expect_rejected(json doc, const std::string& pointer, const json& value, const std::string& field,
                     const std::string& expected) {
  if (value.is_discarded())
    doc.at(json::json_pointer(pointer.substr(0, pointer.rfind('/')))).erase(pointer.substr(pointer.rfind('/') + 1));
  else
    doc[json::json_pointer(pointer)] = value;
  INFO("mutation at " << pointer << " -> " << value.dump());
  CHECK_THROWS_WITH(io::parse_profile(doc, "bad.json"),
                    Catch::Contains("bad.json") && Catch::Contains(field) && Catch::Contains(expected));
}

}  // namespace

TEST_CASE("profile JSON round-trips exactly", "[io][profile]") {
  const probe_profile p = sample_profile();
  const json doc = io::to_json(p);
  CHECK(doc.at("kind") == "profile");
  CHECK(io::parse_profile(doc, "sample.json") == p);
  // Through text too: doubles keep full precision.
  CHECK(io::parse_profile(json::parse(doc.dump(2)), "sample.json") == p);
}

TEST_CASE("profile reader accepts a minimal hand-written file", "[io][profile]") {
  const json doc = json::parse(R"({
    "kind": "profile", "gpu_type": "a100-80gb", "device_name": "NVIDIA A100-SXM4-80GB",
    "driver_version": "", "cuda_version": "12.4", "nccl_version": "", "date": "2024-05-01",
    "host": "", "mode": "quick", "tool": "hand-typed", "num_gpus": 1, "notes": [],
    "gemm": [], "collectives": [],
    "memory": [{"kernel": "copy", "bytes": 2e9, "time_s": 0.001, "gb_per_s": 2001}]
  })");
  const probe_profile p = io::parse_profile(doc, "min.json");
  CHECK(p.memory.size() == 1);
  CHECK(p.memory[0].gb_per_s == 2001.0);  // within 1 % of 2e9 / 1e-3 / 1e9 = 2000
  CHECK(p.source == "min.json");
}

TEST_CASE("profile reader rejects bad fields, naming file and field", "[io][profile]") {
  const json good = io::to_json(sample_profile());
  const json missing = json(json::value_t::discarded);
  expect_rejected(good, "/kind", "cluster", "kind", "\"profile\"");
  expect_rejected(good, "/gpu_type", "", "gpu_type", "non-empty");
  expect_rejected(good, "/gpu_type", "h100 sxm", "gpu_type", "no spaces");
  expect_rejected(good, "/date", "31/01/2025", "date", "ISO 8601");
  expect_rejected(good, "/date", "2025-01-31T12:00:00", "date", "ISO 8601");  // no zone given
  expect_rejected(good, "/mode", "medium", "mode", "\"quick\" or \"full\"");
  expect_rejected(good, "/num_gpus", 0, "num_gpus", "integer in [1");
  expect_rejected(good, "/notes/0", 3, "notes[0]", "string");
  expect_rejected(good, "/host", missing, "host", "missing");
  expect_rejected(good, "/extra", 1, "extra", "unknown key");
  expect_rejected(good, "/gemm/0/m", 0, "gemm[0].m", "integer in [1");
  expect_rejected(good, "/gemm/0/k", 1.5, "gemm[0].k", "integer");
  expect_rejected(good, "/gemm/0/dtype", "int8", "gemm[0].dtype", "fp32, tf32, fp16, bf16, fp8");
  expect_rejected(good, "/gemm/0/time_s", -1.0, "gemm[0].time_s", "> 0");
  expect_rejected(good, "/gemm/0/time_s", std::numeric_limits<double>::infinity(), "gemm[0].time_s", "finite");
  expect_rejected(good, "/gemm/0/tflops", 549.755813888e3, "gemm[0].tflops", "consistent");
  expect_rejected(good, "/gemm/1/dtype", "bf16", "gemm[1]", "measured once");
  expect_rejected(good, "/memory/0/kernel", "scale", "memory[0].kernel", "\"copy\" or \"triad\"");
  expect_rejected(good, "/memory/0/bytes", 0, "memory[0].bytes", "> 0");
  expect_rejected(good, "/memory/1/gb_per_s", 2013.27 * 1.0737, "memory[1].gb_per_s", "consistent");
  expect_rejected(good, "/memory/1/unit", "GB", "memory[1].unit", "unknown key");
  expect_rejected(good, "/collectives/0/op", "allreduce", "collectives[0].op", "all_reduce, all_gather");
  expect_rejected(good, "/collectives/0/group_size", 1, "collectives[0].group_size", "integer in [2");
  expect_rejected(good, "/collectives/0/group_size", 16, "collectives[0].group_size", "at most num_gpus");
  expect_rejected(good, "/collectives/0/num_nodes", 9, "collectives[0].num_nodes", "integer in [1, 8]");
  expect_rejected(good, "/collectives/0/points", json::array(), "collectives[0].points", "non-empty");
  expect_rejected(good, "/collectives/0/points/1", good["collectives"][0]["points"][0],
                  "collectives[0].points[1].bytes", "ascending");
  // 4 ranks: the all-reduce factor becomes 2*3/4, no longer what the stored bus bandwidth used (2*7/8).
  expect_rejected(good, "/collectives/0/group_size", 4, "collectives[0].points[0].bus_gb_per_s", "consistent");
  expect_rejected(good, "/collectives/0/points/0/algo_gb_per_s", 1.0, "points[0].algo_gb_per_s", "consistent");
}

TEST_CASE("a collective's bus bandwidth must follow nccl-tests' factor for its op", "[io][profile]") {
  json doc = io::to_json(sample_profile());
  // The send/recv point has bus = algo; as an all-gather of 2 ranks it would need bus = algo / 2.
  doc["collectives"][1]["op"] = "all_gather";
  CHECK_THROWS_WITH(io::parse_profile(doc, "x.json"),
                    Catch::Contains("collectives[1].points[0].bus_gb_per_s") && Catch::Contains("consistent"));
  doc["collectives"][1]["points"][0]["bus_gb_per_s"] =
      doc["collectives"][1]["points"][0]["algo_gb_per_s"].get<double>() / 2;
  CHECK(io::parse_profile(doc, "x.json").collectives[1].op == "all_gather");
}

TEST_CASE("a profile with nothing measured is rejected", "[io][profile]") {
  json doc = io::to_json(sample_profile());
  doc["gemm"] = json::array();
  doc["memory"] = json::array();
  doc["collectives"] = json::array();
  CHECK_THROWS_WITH(io::parse_profile(doc, "empty.json"), Catch::Contains("at least one measured point"));
}

TEST_CASE("ISO 8601 dates", "[io][profile]") {
  using io::profile_detail::is_iso8601;
  CHECK(is_iso8601("2025-01-31"));
  CHECK(is_iso8601("2025-01-31T12:00Z"));
  CHECK(is_iso8601("2025-01-31T12:00:59.123Z"));
  CHECK(is_iso8601("2025-01-31T12:00:59+05:30"));
  CHECK_FALSE(is_iso8601("2025-1-31"));
  CHECK_FALSE(is_iso8601("2025-01-31 12:00:00Z"));
  CHECK_FALSE(is_iso8601("2025-01-31T12:00:00Zjunk"));
  CHECK_FALSE(is_iso8601("2025-01-31T12:00:00.Z"));
  CHECK_FALSE(is_iso8601("2025-01-31T12:00:00+0530"));
}
