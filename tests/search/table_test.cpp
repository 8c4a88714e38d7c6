// The best-plan table as a perf_oracle, allocation search over stage counts, Cell ranking.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/search/exhaustive.hpp>
#include <cellsched/search/rank.hpp>

#include "toy_estimator.hpp"

using namespace cellsched;

static_assert(perf_oracle<best_plan_table<toy::toy_estimator>>);
static_assert(perf_oracle<best_plan_table<analytic_estimator>>);

namespace {

/// Two toy types on a small cluster: 2 nodes of 4 "fast", 2 nodes of 2 "slow".
cluster toy_cluster() {
  hardware_catalog cat;
  gpu_type fast, slow;
  fast.name = "fast";
  fast.gpus_per_node = 4;
  slow.name = "slow";
  slow.gpus_per_node = 2;
  cat.add(fast);
  cat.add(slow);
  cluster cl("toy", cat);
  cl.add_nodes("fast", 2, 4);
  cl.add_nodes("slow", 2, 2);
  return cl;
}

job toy_job(const std::string& model_name, std::int64_t batch) {
  job j;
  j.id = "j";
  j.model = model_name;
  j.global_batch = batch;
  return j;
}

}  // namespace

TEST_CASE("the table answers the best plan over every stage count, exactly") {
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 40; ++trial) {
    const toy::toy_estimator est = toy::random_estimator(rng);
    model m = toy::random_model(rng, 2 + static_cast<int>(rng() % 5));
    m.name = "toy" + std::to_string(trial);
    const cluster cl = toy_cluster();
    best_plan_table<toy::toy_estimator> table(est, cl, {m});
    const node_layout layout = trial % 2 ? node_layout{4} : node_layout{2, 2};
    const std::string type = trial % 2 ? "fast" : "slow";
    const perf_answer a = table.query(toy_job(m.name, 8), type, layout);
    // Brute force: exhaustive search of every stage count, best by (time, fewer stages, plan key).
    cell_search_result want;
    bool first = true;
    for (int s = 1; s <= std::min(4, m.num_layers()); ++s) {
      auto r = search_cell_exhaustive(est, m, make_cell(cl, type, layout, s), 8);
      if (first || better_result(r, want)) want = r;
      first = false;
    }
    INFO("trial " << trial);
    REQUIRE(a.feasible == want.feasible);
    if (!a.feasible) {
      CHECK_FALSE(a.reason.empty());
      continue;
    }
    CHECK(a.iter_time_s == want.best_estimate.iter_time_s);
    CHECK(a.stages == want.where.stages);
    REQUIRE(a.best_plan);
    CHECK(*a.best_plan == want.best_plan);
  }
}

TEST_CASE("the table caches per (model, batch, type, layout) and reports unknown names") {
  std::mt19937_64 rng(2);
  model m = toy::random_model(rng, 4);
  m.name = "small";
  best_plan_table<toy::toy_estimator> table(toy::random_estimator(rng), toy_cluster(), {m});
  const perf_answer a = table.query(toy_job("small", 8), "fast", {2, 2});
  const std::int64_t calls = table.stats().estimator_calls;
  CHECK(calls > 0);
  CHECK(table.size() == 1);
  // Same key (the layout is normalised largest first, the type by the catalog): no new search.
  const perf_answer b = table.query(toy_job("small", 8), "FAST", {2, 2});
  CHECK(table.stats().estimator_calls == calls);
  CHECK(table.size() == 1);
  CHECK(a.iter_time_s == b.iter_time_s);
  (void)table.query(toy_job("small", 16), "fast", {2, 2});
  CHECK(table.size() == 2);

  const perf_answer unknown_model = table.query(toy_job("nope", 8), "fast", {2});
  CHECK_FALSE(unknown_model.feasible);
  CHECK(unknown_model.reason.find("unknown model") != std::string::npos);
  const perf_answer unknown_type = table.query(toy_job("small", 8), "tpu", {2});
  CHECK_FALSE(unknown_type.feasible);
  CHECK(unknown_type.reason.find("unknown GPU type") != std::string::npos);

  // A resolver supplies models on demand.
  table.set_resolver([&](const std::string& name) -> std::optional<model> {
    if (name != "late") return std::nullopt;
    return m;
  });
  CHECK(table.query(toy_job("late", 8), "fast", {2}).feasible ==
        table.query(toy_job("small", 8), "fast", {2}).feasible);
}

TEST_CASE("data-parallel memory: the reference artifact's admission check") {
  // Activations dominate: 6 GB per sample in each layer. With recomputation (the check's rule) one layer's
  // activations are live at a time: a batch of 16 as one micro-batch needs 96 GB on one 80 GB GPU, 24 GB on
  // each of four (96 GB there without recomputation, so the check must recompute to admit it).
  model m;
  m.name = "dp";
  for (int l = 0; l < 4; ++l) {
    layer ly;
    gemm_shape g;
    g.rows_per_sample = 512;
    g.n = g.k = 2048;
    g.split = l % 2 ? tp_split::row : tp_split::column;
    ly.gemms.push_back(g);
    ly.params = 2.5e7;  // 1e8 parameters: 1.6 GB of weights, gradients and Adam state
    ly.activation_bytes_per_sample = 6e9;
    ly.boundary_bytes_per_sample = 2e6;
    ly.max_tp = 16;
    m.layers.push_back(ly);
  }
  const cluster cl = io::load_cluster_file(std::string(CELLSCHED_DATA_DIR) + "/clusters/small-2type.json");
  best_plan_table<analytic_estimator> table(analytic_estimator(cl.catalog()), cl, {m});
  const perf_answer four = table.query(toy_job("dp", 16), "a100-80gb", {4});
  CHECK(four.feasible);
  CHECK(four.dp_memory_ok);
  const perf_answer one = table.query(toy_job("dp", 16), "a100-80gb", {1});
  CHECK_FALSE(one.dp_memory_ok);
  CHECK(one.feasible);  // the search still finds a plan there: micro-batches of one sample
}

TEST_CASE("ranking Cells puts feasible ones first, fastest first") {
  std::mt19937_64 rng(8);
  const toy::toy_estimator est = toy::random_estimator(rng);
  const model m = toy::random_model(rng, 5);
  const cluster cl = toy_cluster();
  const auto cells = enumerate_cells(m, cl);
  const auto ranked = rank_cells(est, m, 8, cells);
  REQUIRE(ranked.size() == cells.size());
  bool seen_infeasible = false;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (!ranked[i].feasible) seen_infeasible = true;
    if (ranked[i].feasible) CHECK_FALSE(seen_infeasible);
    if (i > 0 && ranked[i].feasible)
      CHECK(ranked[i - 1].best_estimate.iter_time_s <= ranked[i].best_estimate.iter_time_s);
  }
  CHECK(ranked.front().feasible);
}
