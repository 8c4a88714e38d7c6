#include <catch2/catch.hpp>

#include <cellsched/hardware/catalog.hpp>
#include <cellsched/probe/device_name.hpp>
#include <cellsched/probe/stage_gemms.hpp>

using namespace cellsched;
using namespace cellsched::probe;

namespace {

// Two transformer-like layers (hidden 1024, 8 heads of 128, sequence 512) written out by hand: QKV
// column-parallel, attention scores as a batch of 8 per-head GEMMs per sample (not split here), output
// row-parallel.
model two_layer_model() {
  model m;
  m.name = "tiny";
  m.seq_len = 512;
  m.hidden = 1024;
  for (int i = 0; i < 2; ++i) {
    layer l;
    l.name = "block" + std::to_string(i);
    l.gemms = {{"qkv", 512.0, 3072, 1024, 1.0, tp_split::column},
               {"scores", 512.0, 512, 128, 8.0, tp_split::none},
               {"proj", 512.0, 1024, 1024, 1.0, tp_split::row}};
    m.layers.push_back(l);
  }
  return m;
}

plan one_stage(int first, int end, int dp, int tp, std::int64_t micro_batch_samples) {
  plan p;
  p.stages = {{first, end, dp, tp}};
  p.micro_batch_samples = micro_batch_samples;
  return p;
}

}  // namespace

TEST_CASE("stage GEMM shapes: rows = samples per replica x tokens, tp splits n or k, batches multiply",
          "[probe][stage]") {
  const model m = two_layer_model();
  // micro-batch of 8 samples over dp 2 -> 4 samples per GPU -> 2048 rows; tp 4.
  const auto g = stage_gemm_shapes(m, one_stage(1, 2, 2, 4, 8), 0);
  REQUIRE(g.size() == 9);  // 3 GEMMs x (forward, data gradient, weight gradient) of one layer
  CHECK(g[0].layer == "block1");
  CHECK(g[0].name == "qkv");
  CHECK(g[0].pass == gemm_pass::forward);
  CHECK((g[0].m == 2048 && g[0].n == 768 && g[0].k == 1024));  // column: n / tp
  CHECK((g[1].pass == gemm_pass::backward_data && g[1].m == 2048 && g[1].n == 1024 && g[1].k == 768));
  CHECK((g[2].pass == gemm_pass::backward_weight && g[2].m == 1024 && g[2].n == 768 && g[2].k == 2048));
  // A batched GEMM keeps its per-sequence m; the samples multiply the batch: 8 heads x 4 samples.
  CHECK((g[3].m == 512 && g[3].n == 512 && g[3].k == 128 && g[3].count() == 32.0));
  CHECK((g[6].m == 2048 && g[6].n == 1024 && g[6].k == 256));  // row: k / tp
  // Each pass has the forward's FLOPs.
  CHECK(g[1].dims.flops() == g[0].dims.flops());
  CHECK(g[2].dims.flops() == g[0].dims.flops());
  // Forward FLOPs per GPU = the layer's per-sample GEMM FLOPs x 4 samples / tp for the split GEMMs.
  const double fwd = g[0].dims.flops() + g[3].dims.flops() + g[6].dims.flops();
  const auto& l = m.layers[1];
  CHECK(fwd == Approx(4.0 * (l.gemms[0].flops_per_sample() / 4 + l.gemms[1].flops_per_sample() +
                             l.gemms[2].flops_per_sample() / 4)));
}

TEST_CASE("uneven tp rounds the shard up; bad plans are refused", "[probe][stage]") {
  const model m = two_layer_model();
  const auto g = stage_gemm_shapes(m, one_stage(0, 1, 1, 5, 1), 0);
  CHECK(g[0].dims.n == Approx(614.4));  // what the estimator computes with
  CHECK(g[0].n == 615);                 // what one GPU runs: the larger shard
  CHECK_THROWS_AS(stage_gemm_shapes(m, one_stage(0, 1, 1, 1, 1), 1), std::invalid_argument);
  CHECK_THROWS_AS(stage_gemm_shapes(m, one_stage(0, 3, 1, 1, 1), 0), std::invalid_argument);
  CHECK_THROWS_AS(stage_gemm_shapes(m, one_stage(0, 2, 3, 1, 4), 0), std::invalid_argument);
}

TEST_CASE("distinct problems and stage GEMM time", "[probe][stage]") {
  const model m = two_layer_model();
  const auto g = stage_gemm_shapes(m, one_stage(0, 2, 1, 1, 1), 0);
  REQUIRE(g.size() == 18);
  // Both layers have the same shapes; proj's forward (512,1024,1024) equals its data gradient's.
  const auto q = distinct_problems(g, dtype::bf16);
  CHECK(q.size() == 8);
  CHECK(q[0] == gemm_problem{512, 3072, 1024, dtype::bf16});
  std::vector<double> t(g.size(), 1e-3);
  // 2 layers x (qkv 3 x 1 + scores 3 x 8 + proj 3 x 1) = 60 GEMM runs of 1 ms.
  CHECK(stage_gemm_time_s(g, t, false) == Approx(60e-3));
  // Recomputation repeats the 2 x (1 + 8 + 1) = 20 forward runs.
  CHECK(stage_gemm_time_s(g, t, true) == Approx(80e-3));
  CHECK_THROWS_AS(stage_gemm_time_s(g, std::vector<double>(3, 1.0), false), std::invalid_argument);
}

TEST_CASE("the stage's GEMMs are the estimator's: predictions sum to its per-layer GEMM time", "[probe][stage]") {
  const model m = two_layer_model();
  const auto g = stage_gemm_shapes(m, one_stage(0, 2, 1, 2, 4), 0);
  const gemm_curve curve;
  const double peak = 100.0, bw = 1000.0, elem = 2.0;
  double expected_fwd = 0.0, expected = 0.0;
  for (const auto& l : m.layers) {
    const layer_work w = compute_layer_work(l, 4.0, 2, peak, bw, elem, curve);
    expected_fwd += w.gemm_fwd_s;
    expected += w.gemm_fwd_s + w.gemm_bwd_s;
  }
  const auto per_run = predicted_run_times_s(g, peak, bw, elem, curve);
  REQUIRE(per_run.size() == g.size());
  CHECK(stage_gemm_time_s(g, per_run, false) == Approx(expected).epsilon(1e-12));
  CHECK(stage_gemm_time_s(g, per_run, true) == Approx(expected + expected_fwd).epsilon(1e-12));
}

TEST_CASE("driver device names map to catalog types", "[probe][device]") {
  gpu_type h100, a100_40, a100_80, h200, v100, rtx;
  h100.name = "h100-sxm";
  h100.aliases = {"h100"};
  a100_40.name = "a100-40gb";
  a100_40.aliases = {"a100"};
  a100_80.name = "a100-80gb";
  h200.name = "h200";
  h200.aliases = {"h200-sxm"};
  v100.name = "v100-32gb";
  rtx.name = "rtx-3090";
  const hardware_catalog cat({h100, a100_40, a100_80, h200, v100, rtx});
  const std::int64_t gib = std::int64_t{1} << 30;
  CHECK(canonical_gpu_type(cat, "NVIDIA H100 80GB HBM3", 85'000'000'000) == "h100-sxm");
  CHECK(canonical_gpu_type(cat, "NVIDIA A100-SXM4-80GB", 80 * gib) == "a100-80gb");
  CHECK(canonical_gpu_type(cat, "NVIDIA A100-SXM4-40GB", 40 * gib - 500'000'000) == "a100-40gb");
  CHECK(canonical_gpu_type(cat, "NVIDIA A100 80GB PCIe", 80 * gib) == "a100-80gb");
  CHECK(canonical_gpu_type(cat, "NVIDIA H200", 140 * gib) == "h200");
  CHECK(canonical_gpu_type(cat, "Tesla V100-SXM2-32GB", 32 * gib) == "v100-32gb");
  CHECK(canonical_gpu_type(cat, "NVIDIA GeForce RTX 3090", 24 * gib) == "rtx-3090");
  CHECK_FALSE(canonical_gpu_type(cat, "AMD Instinct MI300X", 192 * gib).has_value());
  const auto c = device_name_candidates("NVIDIA H100 PCIe", 80 * gib);
  CHECK(c.front() == "nvidia h100 pcie");
  CHECK(std::find(c.begin(), c.end(), "h100-pcie") != c.end());
}
