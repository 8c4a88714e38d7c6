// The min-max layer split against brute force, and balancing by estimated time rather than layer count.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/layer_balance.hpp>
#include <cellsched/search/min_max_split.hpp>

#include "toy_estimator.hpp"

using namespace cellsched;

namespace {

/// Smallest largest-stage cost over every contiguous split into non-empty stages (brute force).
double brute_min_max(const std::vector<std::vector<double>>& cost, int layers, int stage, int start) {
  const int stages = static_cast<int>(cost.size());
  if (stage == stages - 1) {
    double c = 0.0;
    for (int l = start; l < layers; ++l) c += cost[static_cast<std::size_t>(stage)][static_cast<std::size_t>(l)];
    return c;
  }
  double best = std::numeric_limits<double>::infinity();
  double c = 0.0;
  for (int end = start + 1; end <= layers - (stages - stage - 1); ++end) {
    c += cost[static_cast<std::size_t>(stage)][static_cast<std::size_t>(end - 1)];
    best = std::min(best, std::max(c, brute_min_max(cost, layers, stage + 1, end)));
  }
  return best;
}

/// A model of `columns.size()` single-GEMM layers, [rows x 1024] x [1024 x columns[l]].
model gemm_model(const std::vector<std::int64_t>& columns, double rows, int max_tp) {
  model m;
  for (std::int64_t n : columns) {
    layer ly;
    gemm_shape g;
    g.rows_per_sample = rows;
    g.n = n;
    g.k = 1024;
    ly.gemms.push_back(g);
    ly.params = 1e5;
    ly.max_tp = max_tp;
    m.layers.push_back(ly);
  }
  return m;
}

/// A toy estimator with one or two GPU types and plenty of memory.
toy::toy_estimator roomy_estimator() {
  toy::toy_estimator est;
  est.gpus["fast"] = toy::gpu{1e12, 1e12, 1e11, 1e10};
  est.gpus["slow"] = toy::gpu{2.5e11, 1e12, 1e11, 1e10};
  return est;
}

cell one_node_cell(int gpus, int stages) {
  cell c;
  c.gpu_type = "fast";
  c.num_gpus = gpus;
  c.layout = {gpus};
  c.stages = stages;
  return c;
}

}  // namespace

TEST_CASE("min_max_split finds the brute-force optimum, with stage-specific and forbidden costs") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int with_inf = 0, none_feasible = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int layers = 1 + static_cast<int>(rng() % 9);
    const int stages = 1 + static_cast<int>(rng() % static_cast<unsigned>(layers));
    std::vector<std::vector<double>> cost(static_cast<std::size_t>(stages),
                                          std::vector<double>(static_cast<std::size_t>(layers)));
    const bool forbid = trial % 3 == 0;
    for (auto& row : cost) {
      const double speed = 0.2 + u(rng);
      for (auto& x : row) x = forbid && u(rng) < 0.2 ? std::numeric_limits<double>::infinity() : u(rng) * speed;
    }
    const double want = brute_min_max(cost, layers, 0, 0);
    const layer_split got = min_max_split(cost, layers);
    INFO("trial " << trial);
    if (!std::isfinite(want)) {
      ++none_feasible;
      REQUIRE(got.end_layer.empty());
      continue;
    }
    with_inf += forbid ? 1 : 0;
    REQUIRE(got.end_layer.size() == static_cast<std::size_t>(stages));
    REQUIRE(got.end_layer.back() == layers);
    double worst = 0.0;
    for (int s = 0, a = 0; s < stages; a = got.end_layer[static_cast<std::size_t>(s)], ++s) {
      REQUIRE(got.end_layer[static_cast<std::size_t>(s)] > a);
      double c = 0.0;
      for (int l = a; l < got.end_layer[static_cast<std::size_t>(s)]; ++l)
        c += cost[static_cast<std::size_t>(s)][static_cast<std::size_t>(l)];
      worst = std::max(worst, c);
    }
    // Within the bisection's tolerance of the optimum, never below it.
    REQUIRE(worst <= want * (1 + 2 * min_max_tolerance));
    REQUIRE(worst >= want * (1 - 1e-12));
    REQUIRE(got.max_stage_cost == Approx(worst).epsilon(1e-12));
  }
  CHECK(with_inf > 300);
  CHECK(none_feasible > 50);
}

TEST_CASE("min_max_split gives later stages the longer share when several splits tie") {
  // Four equal layers on three equal stages: the optimum (2 layers somewhere) is reached three ways;
  // the early stages stay light because 1F1B keeps the most activations in flight there.
  const std::vector<std::vector<double>> cost(3, std::vector<double>(4, 1.0));
  const layer_split got = min_max_split(cost, 4);
  CHECK(got.end_layer == std::vector<int>{1, 2, 4});
  CHECK(got.max_stage_cost == 2.0);
}

TEST_CASE("the layer split balances estimated stage time, not layer count") {
  // One heavy layer followed by many light ones: equal layer counts would overload the first stage.
  const model m = gemm_model({8192, 512, 512, 512, 512, 512, 512, 512}, 64, 8);
  const toy::toy_estimator est = roomy_estimator();
  const cell c = one_node_cell(2, 2);
  shape_class pc;
  pc.stage_gpus = {1, 1};
  pc.stage_tp = {1, 1};
  pc.micro_batch_counts = {4};
  const auto bp = balance_layers(est, m, c, pc, 8, 1);
  REQUIRE(bp.end_layer.size() == 2);
  // Layer 0 is as heavy as the other seven together (8192 vs 7 x 512 columns plus overheads): alone.
  CHECK(bp.end_layer[0] == 1);

  SECTION("a heterogeneous Cell gives the slower GPU type fewer layers") {
    model flat = m;
    flat.layers[0] = flat.layers[1];
    cell h = c;
    h.layout = {1, 1};
    h.node_gpu_types = {"fast", "slow"};
    h.stage_gpu_types = {"fast", "slow"};
    const auto hb = balance_layers(est, flat, h, pc, 8, 2);
    REQUIRE(hb.end_layer.size() == 2);
    // Equal layers, the second stage's GPU is 4x slower: about 4/5 of the layers go to the fast one.
    CHECK(hb.end_layer[0] >= 6);
    const auto found = search_cell(est, flat, h, 8);
    REQUIRE(found.feasible);
    CHECK(found.best_plan.stages[1].num_layers() <= 2);
  }
}

TEST_CASE("a layer whose max_tp is below the stage's tp is kept off that stage") {
  model m = gemm_model({256, 256, 256, 256}, 16, 4);
  m.layers[2].max_tp = 1;  // a layer that cannot be split
  const toy::toy_estimator est = roomy_estimator();
  cell c = one_node_cell(3, 2);
  shape_class pc;
  pc.stage_gpus = {2, 1};
  pc.stage_tp = {2, 1};
  pc.micro_batch_counts = {2};
  const auto bp = balance_layers(est, m, c, pc, 4, 1);
  REQUIRE(bp.end_layer.size() == 2);
  // The FLOP balance alone would give the tp=2 stage (two GPUs) layers 0-2; layer 2 cannot go there.
  CHECK(bp.end_layer[0] == 2);
  model splittable = m;
  splittable.layers[2].max_tp = 4;
  CHECK(balance_layers(est, splittable, c, pc, 4, 0).end_layer[0] == 3);
  CHECK(balance_layers(est, m, c, pc, 4, 0).end_layer[0] == 2);
  // If every stage splits tensors, layer 2 has nowhere to go: the class has no plan.
  shape_class both_split = pc;
  both_split.stage_gpus = {2, 2};
  both_split.stage_tp = {2, 2};
  c.num_gpus = 4;
  c.layout = {4};
  CHECK(balance_layers(est, m, c, both_split, 4, 1).end_layer.empty());
}

TEST_CASE("GPU splits: near-equal, powers of two, every composition") {
  const auto splits = [](int gpus, int stages, gpu_split_policy p) {
    cell_parts parts;
    parts.type = {"fast"};
    parts.stages = {stages};
    parts.gpus = {gpus};
    std::vector<std::vector<int>> out;
    for_each_gpu_split(parts, p, [&](const std::vector<int>& s) { out.push_back(s); });
    return out;
  };
  using v = std::vector<std::vector<int>>;
  CHECK(splits(16, 3, gpu_split_policy::balanced) == v{{6, 5, 5}});
  CHECK(splits(16, 3, gpu_split_policy::balanced_pow2) == v{{6, 5, 5}, {8, 4, 4}});
  CHECK(splits(16, 5, gpu_split_policy::balanced_pow2) == v{{4, 3, 3, 3, 3}, {4, 4, 4, 2, 2}});
  CHECK(splits(16, 4, gpu_split_policy::balanced_pow2) == v{{4, 4, 4, 4}});  // the same split once
  CHECK(splits(7, 2, gpu_split_policy::balanced_pow2) == v{{4, 3}});         // 7 is no sum of two powers of two
  CHECK(splits(4, 2, gpu_split_policy::any) == v{{1, 3}, {2, 2}, {3, 1}});
  CHECK(splits(6, 3, gpu_split_policy::any).size() == 10);  // C(5, 2)
}
