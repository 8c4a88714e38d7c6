// The reference profile table answers exactly as the reference simulator's lookup rules (docs/reference-simulator.md
// §2). Expected figures were worked out by hand from data/perf/arena-profile-db.json.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include <cellsched/detail/reference_arith.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>

#include "reference_fixtures.hpp"

using namespace cellsched;

namespace {
job make_job(const std::string& model, std::int64_t batch) {
  job j;
  j.id = "j";
  j.model = model;
  j.global_batch = batch;
  j.iterations = 100;
  return j;
}
}  // namespace

TEST_CASE("CPython-compatible rounding and floor division", "[schedule][reference]") {
  REQUIRE(detail::round_decimal(67.92327682474307, 3) == 67.923);
  REQUIRE(detail::round_decimal(2.675, 2) == 2.67);  // 2.675 is stored below the tie, as in CPython
  REQUIRE(detail::round_decimal(0.0005, 3) == 0.001);
  REQUIRE(detail::floor_div(900.0, 3.769) == 238.0);
  REQUIRE(detail::floor_div(1.0, 0.1) == 9.0);  // CPython: 9.0, although 1.0 / 0.1 rounds to 10.0
}

TEST_CASE("reference table: exact key", "[schedule][reference]") {
  const auto& t = testing_fixtures::reference_table();
  REQUIRE(t.num_configs() >= 46);
  const perf_answer a = t.query(make_job("moe__690M", 256), "a100-40gb", {1});
  REQUIRE(a.feasible);
  // 256 / 3.768958330154419 = 67.9232... -> 67.923; time round(256 / 67.923, 3) = 3.769
  REQUIRE(a.samples_per_s == 67.923);
  REQUIRE(a.iter_time_s == 3.769);
  REQUIRE(a.throughput_samples_per_s(256) == 67.923);
  REQUIRE(a.dp_samples_per_s == 0.0);  // an exact entry: the data-parallel lookup reads the same figure
  // Aliases of the table's GPU names resolve to the canonical name.
  REQUIRE(t.query(make_job("moe__690M", 256), "a100", {1}).samples_per_s == 67.923);
}

TEST_CASE("reference table: relaxed layout scales the best layout by 0.9 per halving", "[schedule][reference]") {
  const auto& t = testing_fixtures::reference_table();
  // moe_690M_256 has no 2 x 1 A100 entry; best layout [2] is 2.068690061569214 s -> 123.75 x 0.9
  const perf_answer a = t.query(make_job("moe__690M", 256), "a100-40gb", {1, 1});
  REQUIRE(a.feasible);
  REQUIRE(a.samples_per_s == 123.75 * 0.9);
  REQUIRE(a.iter_time_s == 2.299);
  REQUIRE(a.dp_samples_per_s == 123.75);  // the reference's data-parallel lookup skips the factor
}

TEST_CASE("reference table: next larger size scales by 1.8 per step", "[schedule][reference]") {
  const auto& t = testing_fixtures::reference_table();
  // moe_690M_256 has no [4] A100 entry (its best layout is the same key); moe_1.3B_256 has
  // 2.1353957653045654 s -> round(256 / t, 3) = 119.884, x 1.8 = 215.7912; time 1.186 s.
  const perf_answer a = t.query(make_job("moe__690M", 256), "a100-40gb", {4});
  REQUIRE(a.feasible);
  REQUIRE(a.samples_per_s == 119.884 * 1.8);
  REQUIRE(a.iter_time_s == 1.186);
  REQUIRE(a.dp_samples_per_s == 119.884);  // the larger model's figure, unscaled
}

TEST_CASE("reference table: infeasible entries and unknown keys", "[schedule][reference]") {
  const auto& t = testing_fixtures::reference_table();
  // -1 (no plan) on an exact key is infeasible and does not fall back to a larger size.
  REQUIRE_FALSE(t.query(make_job("moe__2.4B", 256), "v100-32gb", {16}).feasible);
  // 357 s > one 300 s round.
  REQUIRE_FALSE(t.query(make_job("wide_resnet__6.8B", 512), "a40", {2, 2, 2, 2}).feasible);
  // Nothing anywhere for bert_39B_128.
  REQUIRE_FALSE(t.query(make_job("bert__39B", 128), "a100-40gb", {4}).feasible);
  REQUIRE_FALSE(t.query(make_job("gpt3", 128), "a100-40gb", {4}).feasible);
  REQUIRE_FALSE(t.query(make_job("moe__690M", 256), "h100-sxm", {1}).feasible);
  REQUIRE_FALSE(t.query(make_job("moe__690M", 256), "a100-40gb", {2, 1}).feasible);
}

TEST_CASE("reference table: data-parallel memory rule", "[schedule][reference]") {
  const auto& t = testing_fixtures::reference_table();
  // bert_2.6B_256 needs 28.056 GB per GPU on 4 GPUs: 1.2 x 28.056 = 33.7 > 0.8 x 40 (A100) but
  // < 0.8 x 48 (A40).
  REQUIRE_FALSE(t.query(make_job("bert__2.6B", 256), "a100-40gb", {4}).dp_memory_ok);
  REQUIRE(t.query(make_job("bert__2.6B", 256), "a40", {2, 2}).dp_memory_ok);
  // -1 on 1 GPU: does not fit.
  REQUIRE_FALSE(t.query(make_job("bert__2.6B", 256), "a40", {1}).dp_memory_ok);
}

TEST_CASE("reference table: bad files name the field", "[schedule][reference]") {
  const hardware_catalog& cat = testing_fixtures::reference_catalog();
  const auto bad = [&](const std::string& text) {
    return io::parse_reference_table(io::parse_json_text(text, "db.json"), "db.json", cat);
  };
  REQUIRE_THROWS_WITH(bad(R"({"optimal_iter_time_s": {"moe_1B_x": {}}, "dp_mem_gb": {}})"),
                      Catch::Contains("optimal_iter_time_s.moe_1B_x"));
  REQUIRE_THROWS_WITH(bad(R"({"optimal_iter_time_s": {"moe_1B_8": {"1_a100_2_n_1_d": 1.0}}, "dp_mem_gb": {}})"),
                      Catch::Contains("device key"));
  REQUIRE_THROWS_WITH(bad(R"({"optimal_iter_time_s": {"moe_1B_8": {"1_tpu_1_n_1_d": 1.0}}, "dp_mem_gb": {}})"),
                      Catch::Contains("GPU type known to the catalog"));
  REQUIRE_THROWS_WITH(bad(R"({"optimal_iter_time_s": {}, "dp_mem_gb": {}, "extra": 1})"), Catch::Contains("extra"));
  REQUIRE_THROWS_WITH(bad(R"({"optimal_iter_time_s": {}})"), Catch::Contains("dp_mem_gb"));
}

TEST_CASE("reference table: built in code, node capacities from the options", "[schedule][reference]") {
  const hardware_catalog& cat = testing_fixtures::reference_catalog();
  const std::string key = reference_perf_table::config_key("moe", "690M", 256);
  REQUIRE(key == "moe_690M_256");
  const auto table = [&](reference_table_options o) {
    reference_perf_table t(cat, std::move(o));
    t.set_iter_time(key, "a40", 1, 2, 2.0);  // one node of 2 A40: 128 samples/s
    return t;
  };
  // The reference cluster's A40 nodes hold 2 GPUs: 2 x 1 is the best layout [2] relaxed once.
  const perf_answer a = table({}).query(make_job("moe__690M", 256), "a40", {1, 1});
  REQUIRE(a.feasible);
  REQUIRE(a.samples_per_s == 128.0 * 0.9);
  // Without a capacity for A40 there is no best layout to fall back on.
  reference_table_options none;
  none.gpus_per_node.clear();
  const perf_answer b = table(none).query(make_job("moe__690M", 256), "a40", {1, 1});
  REQUIRE_FALSE(b.feasible);
  REQUIRE(b.reason == "layout exceeds the node capacity");
  REQUIRE(table(none).query(make_job("moe__690M", 256), "a40", {2}).feasible);  // the exact key needs none
}
