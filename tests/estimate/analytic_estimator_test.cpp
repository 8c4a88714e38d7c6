// The analytic estimator on hand-built models: iteration time worked out on paper, breakdown adds up,
// infeasible plans are reported, probe profiles change the calibration label.
#include <catch2/catch.hpp>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/model/zoo.hpp"

using namespace cellsched;

namespace {
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

hardware_catalog toy_catalog() {
  gpu_type g;
  g.name = "toy";
  g.peak_fp16_tflops = 100.0;
  g.mem_gb = 10.0;
  g.mem_bw_gb_per_s = 1000.0;
  g.intra_link_gb_per_s = 100.0;
  g.inter_node_gb_per_s = 10.0;
  g.gpus_per_node = 4;
  return hardware_catalog({g});
}

analytic_params plain_params() {
  analytic_params p;
  p.gemm = {0.8, 128.0, 128.0, 64.0};
  p.sustained_compute_fraction = 1.0;
  p.mem_bw_efficiency = 1.0;
  p.intra_link_efficiency = 1.0;
  p.inter_link_efficiency = 1.0;
  p.intra_latency_s = p.inter_latency_s = p.p2p_latency_s = 0.0;
  software_stack& sw = p.software;
  sw.cpu_per_op_s = sw.gpu_per_op_s = sw.host_sync_s = sw.device_sync_s = sw.iteration_overhead_s = 0.0;
  p.optimizer_bytes_per_param = 36.0;
  sw.host_device_overlap = 1.0;
  sw.async_tp_backward = false;
  return p;
}

model one_gemm_model(tp_split split = tp_split::none) {
  model m;
  m.name = "one-gemm";
  m.compute_dtype = dtype::fp16;
  layer l;
  l.name = "l0";
  l.kind = "transformer";
  l.params = 1e6;
  l.gemms.push_back({"g", 1024.0, 1024, 1024, 1.0, split});
  l.max_tp = 8;
  m.layers.push_back(l);
  return m;
}

cell toy_cell(int gpus, int stages = 1) {
  cell c;
  c.gpu_type = "toy";
  c.num_gpus = gpus;
  c.layout = {gpus};
  c.stages = stages;
  return c;
}

plan simple_plan(int dp, int tp, std::int64_t mbs, std::int64_t m) {
  plan p;
  p.stages = {stage_plan{0, 1, dp, tp}};
  p.micro_batch_samples = mbs;
  p.num_micro_batches = m;
  return p;
}
}  // namespace

static_assert(estimator<analytic_estimator>);

TEST_CASE("one GEMM layer on one GPU, worked on paper", "[estimate][analytic]") {
  const analytic_estimator est(toy_catalog(), plain_params());
  // Forward 1024^3 GEMM: 3.52321536e-5 s (see compute test); backward = 2 GEMMs of the same shape.
  // Two micro-batches: 2 x 3 x 3.52321536e-5 = 2.113929216e-4 s; Adam step 1e6 params x 36 B at
  // 1000 GB/s = 3.6e-5 s. Total 2.473929216e-4 s.
  const estimate_result r = est.estimate(one_gemm_model(), toy_cell(1), simple_plan(1, 1, 1, 2));
  REQUIRE(r.infeasible_reason.empty());
  REQUIRE(r.calibration == "analytic");
  REQUIRE(close(r.iter_time_s, 2.473929216e-4));
  REQUIRE(close(r.breakdown.compute_s, 2.113929216e-4));
  REQUIRE(close(r.breakdown.optimizer_s, 3.6e-5));
  REQUIRE(r.breakdown.bubble_s == 0.0);
  REQUIRE(r.stages.size() == 1);
  REQUIRE(close(r.stages[0].fwd_s, 3.52321536e-5));
  REQUIRE(close(r.stages[0].weights_bytes, 2e6));
  REQUIRE(r.fits);
}

TEST_CASE("data parallelism adds the gradient all-reduce", "[estimate][analytic]") {
  const analytic_estimator est(toy_catalog(), plain_params());
  // Two replicas, one sample each per micro-batch: same compute; 2e6 B of fp16 gradients all-reduced
  // over 2 ranks (factor 1) at 100 GB/s = 2e-5 s.
  const estimate_result r = est.estimate(one_gemm_model(), toy_cell(2), simple_plan(2, 1, 2, 2));
  REQUIRE(close(r.breakdown.dp_comm_s, 2e-5));
  REQUIRE(close(r.iter_time_s, 2.673929216e-4));
  plan z = simple_plan(2, 1, 2, 2);
  z.zero1 = true;  // reduce-scatter + all-gather: same time; Adam state and step halve
  const estimate_result rz = est.estimate(one_gemm_model(), toy_cell(2), z);
  REQUIRE(close(rz.breakdown.dp_comm_s, 2e-5));
  REQUIRE(close(rz.breakdown.optimizer_s, 1.8e-5));
  REQUIRE(close(rz.stages[0].optimizer_bytes, 6e6));
}

TEST_CASE("tensor parallelism adds its all-reduces forward and backward", "[estimate][analytic]") {
  model m = one_gemm_model(tp_split::column);
  m.layers[0].tp_allreduces_fwd = 2;
  m.layers[0].tp_allreduce_bytes_per_sample = 1e6;
  const analytic_estimator est(toy_catalog(), plain_params());
  // Per micro-batch: 2 forward + 2 backward all-reduces of 1e6 B over 2 ranks at 100 GB/s = 4e-5 s;
  // two micro-batches 8e-5 s.
  const estimate_result r = est.estimate(m, toy_cell(2), simple_plan(1, 2, 1, 2));
  REQUIRE(close(r.breakdown.tp_comm_s, 8e-5));
  plan rec = simple_plan(1, 2, 1, 2);
  rec.recompute = true;  // recomputing the forward repeats its all-reduces: 6 per micro-batch
  const estimate_result rr = est.estimate(m, toy_cell(2), rec);
  REQUIRE(close(rr.breakdown.tp_comm_s, 1.2e-4));
  // Megatron-LM's asynchronous backward all-reduce runs the input-gradient all-reduce while the
  // column-parallel weight-gradient GEMM computes: only what is longer than that GEMM stays exposed.
  // Weight-gradient GEMM at tp 2 (1024 x 512, reducing 1024 rows): 2 x 1024 x 512 x 1024 = 1.073741824e9
  // FLOP / 1e14 = 1.073741824e-5 s at peak, inverse efficiency
  // (1 + 128/1024 + 128/512 + 64/1024) / 0.8 = 1.796875: 1.92937984e-5 s. The backward's 2e-5 s of
  // all-reduces leave 7.062016e-7 s exposed per micro-batch: 2 x (2e-5 + 7.062016e-7) = 4.14124032e-5 s.
  analytic_params async = plain_params();
  async.software.async_tp_backward = true;
  const analytic_estimator est_async(toy_catalog(), async);
  REQUIRE(close(est_async.estimate(m, toy_cell(2), simple_plan(1, 2, 1, 2)).breakdown.tp_comm_s, 4.14124032e-5));
  // With recomputation the recomputed forward's all-reduces are in line: 2 x (4e-5 + 7.062016e-7).
  REQUIRE(close(est_async.estimate(m, toy_cell(2), rec).breakdown.tp_comm_s, 8.14124032e-5));
  // All-reduces of 1e5 B (1e-6 s each) fit under the GEMM: only the forward's 2e-6 s per micro-batch.
  model small = m;
  small.layers[0].tp_allreduce_bytes_per_sample = 1e5;
  REQUIRE(close(est_async.estimate(small, toy_cell(2), simple_plan(1, 2, 1, 2)).breakdown.tp_comm_s, 4e-6));
  // The named stacks: megatron-lm hides, megatron-lm-2021 (before the asynchronous all-reduce) does not.
  REQUIRE(find_software_stack("megatron-lm")->async_tp_backward);
  REQUIRE_FALSE(find_software_stack("megatron-lm-2021")->async_tp_backward);
  REQUIRE(close(est_async.with_software(*find_software_stack("megatron-lm-2021"))
                    .estimate(m, toy_cell(2), simple_plan(1, 2, 1, 2))
                    .breakdown.tp_comm_s,
                8e-5));
  // Recomputation adds one forward's compute per micro-batch (forward time minus its 2e-5 s of all-reduces).
  REQUIRE(close(rr.breakdown.compute_s - r.breakdown.compute_s, 2.0 * (r.stages[0].fwd_s - 2e-5)));
}

TEST_CASE("the breakdown adds up to the iteration time", "[estimate][analytic]") {
  analytic_params prm = plain_params();
  prm.software.cpu_per_op_s = 30e-6;
  prm.software.gpu_per_op_s = 5e-6;
  prm.software.iteration_overhead_s = 1e-3;
  model m;
  m.compute_dtype = dtype::fp16;
  for (int i = 0; i < 4; ++i) {
    layer l = one_gemm_model(tp_split::column).layers[0];
    l.boundary_bytes_per_sample = 1e6;
    l.mem_bound_bytes_per_sample = 5e6;
    l.tp_allreduces_fwd = 2;
    l.tp_allreduce_bytes_per_sample = 2e6;
    m.layers.push_back(l);
  }
  plan p;
  p.stages = {stage_plan{0, 1, 1, 2}, stage_plan{1, 4, 1, 2}};
  p.micro_batch_samples = 2;
  p.num_micro_batches = 6;
  p.recompute = true;
  const estimate_result r = analytic_estimator(toy_catalog(), prm).estimate(m, toy_cell(4, 2), p);
  REQUIRE(r.infeasible_reason.empty());
  const auto& b = r.breakdown;
  REQUIRE(close(b.compute_s + b.overhead_s + b.tp_comm_s + b.dp_comm_s + b.pp_comm_s + b.bubble_s + b.optimizer_s,
                r.iter_time_s));
  REQUIRE(b.bubble_s > 0.0);
  REQUIRE(b.pp_comm_s > 0.0);
  REQUIRE(b.overhead_s > 1e-3);
  REQUIRE(r.stages.size() == 2);
  REQUIRE(r.stages[1].fwd_s > r.stages[0].fwd_s);  // three layers against one
}

TEST_CASE("plans the Cell cannot run are reported, not estimated", "[estimate][analytic]") {
  const analytic_estimator est(toy_catalog(), plain_params());
  REQUIRE(est.estimate(one_gemm_model(), toy_cell(2), simple_plan(1, 1, 1, 1)).infeasible_reason.find("GPUs") !=
          std::string::npos);
  REQUIRE(est.estimate(one_gemm_model(), toy_cell(2), simple_plan(2, 1, 3, 1)).infeasible_reason.find("split") !=
          std::string::npos);
  cell unknown = toy_cell(1);
  unknown.gpu_type = "nope";
  REQUIRE(est.estimate(one_gemm_model(), unknown, simple_plan(1, 1, 1, 1)).infeasible_reason.find("catalog") !=
          std::string::npos);
  model m = one_gemm_model();
  m.layers[0].max_tp = 1;
  REQUIRE(est.estimate(m, toy_cell(2), simple_plan(1, 2, 1, 1)).infeasible_reason.find("supports") !=
          std::string::npos);
  REQUIRE_FALSE(est.estimate(m, toy_cell(2), simple_plan(1, 2, 1, 1)).feasible());
}

TEST_CASE("memory that does not fit is flagged", "[estimate][analytic]") {
  model m = one_gemm_model();
  m.layers[0].params = 1e9;  // 16 GB of weights, gradients and Adam state on a 10 GB GPU
  const estimate_result r =
      analytic_estimator(toy_catalog(), plain_params()).estimate(m, toy_cell(1), simple_plan(1, 1, 1, 1));
  REQUIRE_FALSE(r.fits);
  REQUIRE_FALSE(r.stages[0].fits);
  REQUIRE(close(r.stages[0].peak_mem_bytes, 16e9));
}

TEST_CASE("a probe profile replaces the defaults and says so", "[estimate][analytic]") {
  probe_profile prof;
  prof.gpu_type = "toy";
  prof.source = "toy-profile.json";
  // Memory measured at 500 GB/s; GEMMs measured exactly on a curve with 50 % peak efficiency.
  prof.memory.push_back({"copy", 1e9, 2e-3, 500.0});
  const gemm_curve slow{0.5, 0.0, 0.0, 0.0};
  for (const std::int64_t d : {256, 512, 1024, 2048, 4096}) {
    gemm_point p;
    p.m = d;
    p.n = d * 2;
    p.k = d / 2 + 64;
    const gemm_dims g{static_cast<double>(p.m), static_cast<double>(p.n), static_cast<double>(p.k), 1};
    p.time_s = g.flops() / 100e12 * gemm_inverse_efficiency(g, slow);
    prof.gemm.push_back(p);
  }
  const analytic_estimator est(toy_catalog(), plain_params(), {prof});
  const estimate_result r = est.estimate(one_gemm_model(), toy_cell(1), simple_plan(1, 1, 1, 1));
  REQUIRE(r.calibration == "analytic+probe:toy-profile.json");
  // 3 GEMMs of 2^31 FLOPs at 50 TFLOP/s = 1.2884901888e-4 s; Adam 3.6e7 B at 500 GB/s = 7.2e-5 s.
  REQUIRE(r.iter_time_s == Approx(1.2884901888e-4 + 7.2e-5).epsilon(1e-9));
}

TEST_CASE("fixed per-op costs: host-bound passes take the host time", "[estimate][analytic]") {
  analytic_params prm = plain_params();
  prm.software.cpu_per_op_s = 1e-3;  // one GEMM + one element-wise group = 2 ops per pass
  const analytic_estimator est(toy_catalog(), prm);
  // Forward: max(device 3.52321536e-5, host 2e-3) = 2e-3; backward (4 ops): 4e-3. Two micro-batches: 1.2e-2,
  // plus the Adam step 3.6e-5.
  const estimate_result r = est.estimate(one_gemm_model(), toy_cell(1), simple_plan(1, 1, 1, 2));
  REQUIRE(close(r.iter_time_s, 1.2e-2 + 3.6e-5));
  REQUIRE(close(r.breakdown.overhead_s, 1.2e-2 - 2.113929216e-4));
  // Half-overlapped host and device: each pass adds half the device time on top of the host time.
  prm.software.host_device_overlap = 0.5;
  const estimate_result h =
      analytic_estimator(toy_catalog(), prm).estimate(one_gemm_model(), toy_cell(1), simple_plan(1, 1, 1, 2));
  REQUIRE(close(h.iter_time_s, 1.2e-2 + 0.5 * 2.113929216e-4 + 3.6e-5));
  // A per-doubling sync cost at each of 2 forward tensor-parallel all-reduces (tp 4 = 2 doublings):
  // device side 2 x 2 x 1e-4 = 4e-4 on a device-bound forward.
  model m = one_gemm_model(tp_split::column);
  m.layers[0].tp_allreduces_fwd = 2;
  m.layers[0].tp_allreduce_bytes_per_sample = 1.0;  // negligible volume
  analytic_params sync = plain_params();
  const double base =
      analytic_estimator(toy_catalog(), sync).estimate(m, toy_cell(4), simple_plan(1, 4, 1, 1)).stages[0].fwd_s;
  sync.software.device_sync_s = 1e-4;
  const double with_sync =
      analytic_estimator(toy_catalog(), sync).estimate(m, toy_cell(4), simple_plan(1, 4, 1, 1)).stages[0].fwd_s;
  REQUIRE(close(with_sync - base, 4e-4));
}

TEST_CASE("a profile for a GPU type the catalog lacks calibrates nothing", "[estimate][analytic]") {
  probe_profile prof;
  prof.gpu_type = "not-a-gpu";
  prof.source = "other.json";
  prof.memory.push_back({"copy", 1e9, 2e-3, 500.0});
  const analytic_estimator est(toy_catalog(), std::vector<probe_profile>{prof});
  const estimate_result r = est.estimate(one_gemm_model(), toy_cell(1), simple_plan(1, 1, 1, 1));
  REQUIRE(r.calibration == "analytic");
}

TEST_CASE("fp8: GEMMs at the fp8 rate where the GPU has one, everything stored and moved in bf16",
          "[estimate][analytic]") {
  transformer_config c = gpt_config(4096, 4, 32, 2048, 51200);
  c.compute_dtype = dtype::bf16;
  const model bf16 = build_dense_transformer(c);
  c.compute_dtype = dtype::fp8;
  const model fp8 = build_dense_transformer(c);
  for (std::size_t i = 0; i < bf16.layers.size(); ++i) {
    REQUIRE(fp8.layers[i].activation_bytes_per_sample == bf16.layers[i].activation_bytes_per_sample);
    REQUIRE(fp8.layers[i].mem_bound_bytes_per_sample == bf16.layers[i].mem_bound_bytes_per_sample);
    REQUIRE(fp8.layers[i].tp_allreduce_bytes_per_sample == bf16.layers[i].tp_allreduce_bytes_per_sample);
  }
  const analytic_estimator est(builtin_catalog());
  cell h100;
  h100.gpu_type = "h100-sxm";
  h100.num_gpus = 1;
  h100.layout = {1};
  plan p;
  p.stages = {stage_plan{0, static_cast<int>(fp8.layers.size()), 1, 1}};
  p.micro_batch_samples = 1;
  p.num_micro_batches = 1;
  const estimate_result rb = est.estimate(bf16, h100, p), r8 = est.estimate(fp8, h100, p);
  REQUIRE((rb.infeasible_reason.empty() && r8.infeasible_reason.empty()));
  // H100 SXM: 1,979 fp8 against 989 bf16 dense TFLOP/s, so the GEMM-bound compute about halves; the
  // memory (bf16 weights, gradients, activations) is the same.
  REQUIRE(r8.breakdown.compute_s < 0.7 * rb.breakdown.compute_s);
  REQUIRE(r8.stages[0].peak_mem_bytes == rb.stages[0].peak_mem_bytes);
  // A100 has no fp8 rate: the GEMMs run at its 16-bit rate, the same time.
  cell a100 = h100;
  a100.gpu_type = "a100-80gb";
  REQUIRE(est.estimate(fp8, a100, p).breakdown.compute_s == Approx(est.estimate(bf16, a100, p).breakdown.compute_s));
}

TEST_CASE("Megatron's fused softmax: the kernel's shape rule, worked by hand", "[estimate][analytic]") {
  // FusedScaleMaskSoftmax.is_kernel_available (causal): 16 < sk <= 4096, sq and sk multiples of 4,
  // micro-batch x heads per rank a multiple of 4 and of the batches per 128-thread block (4 above 128
  // columns, 8 up to 128).
  REQUIRE(megatron_fused_softmax_available(4, 1024, 1024));
  REQUIRE_FALSE(megatron_fused_softmax_available(2, 1024, 1024));  // e.g. 16 heads on tp 8, micro-batch 1
  REQUIRE(megatron_fused_softmax_available(8, 128, 128));
  REQUIRE_FALSE(megatron_fused_softmax_available(4, 128, 128));  // 8 batches per block at 128 columns
  REQUIRE(megatron_fused_softmax_available(12, 4096, 4096));
  REQUIRE_FALSE(megatron_fused_softmax_available(12, 8192, 8192));  // longer than the kernel takes
  REQUIRE_FALSE(megatron_fused_softmax_available(4, 16, 16));
  REQUIRE_FALSE(megatron_fused_softmax_available(4, 1022, 1022));
}

TEST_CASE("an unfused softmax adds the PyTorch fallback's traffic and ops", "[estimate][analytic]") {
  model m = one_gemm_model(tp_split::column);
  m.heads = 4;
  m.seq_len = 64;
  m.layers[0].attention_core_mem_bytes_per_sample = 1.0;  // materialised scores (no flash attention)
  analytic_params on = plain_params();
  on.software.gpu_per_op_s = 1e-3;
  on.software.unfused_softmax_ops = 3.0;
  analytic_params off = on;
  off.software.megatron_fused_softmax = false;  // the stack never uses the kernel's rule
  const auto stage = [&](const analytic_params& prm, std::int64_t mb) {
    return analytic_estimator(toy_catalog(), prm).estimate(m, toy_cell(2), simple_plan(1, 2, mb, 1)).stages[0];
  };
  // tp 2: 2 heads per rank. Micro-batch 1 or 2 (2 or 4 score batches at 64 columns, 8 per block): unfused.
  // Scores per rank: mb x 2 x 64 x 64 = mb x 8,192. Forward: 33 B each at 1,000 GB/s plus 3 ops of 1 ms;
  // backward (no recomputation): 35 B each plus 2 x 3 ops.
  for (const std::int64_t mb : {1, 2}) {
    const double scores = static_cast<double>(mb) * 8192.0;
    REQUIRE(close(stage(on, mb).fwd_s - stage(off, mb).fwd_s, 33.0 * scores / 1e12 + 3e-3));
    REQUIRE(close(stage(on, mb).bwd_s - stage(off, mb).bwd_s, 35.0 * scores / 1e12 + 6e-3));
  }
  // Micro-batch 4: 8 score batches, the fused kernel runs: nothing added.
  REQUIRE(close(stage(on, 4).fwd_s, stage(off, 4).fwd_s));
  REQUIRE(close(stage(on, 4).bwd_s, stage(off, 4).bwd_s));
  // Flash attention materialises no scores.
  m.flash_attention = true;
  REQUIRE(close(stage(on, 1).fwd_s, stage(off, 1).fwd_s));
}
