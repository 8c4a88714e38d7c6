// Memory per stage (with/without recomputation, ZeRO-1, 1F1B vs GPipe) and the pipeline formulas,
// against figures worked out by hand.
#include <catch2/catch.hpp>

#include "cellsched/estimate/memory.hpp"
#include "cellsched/estimate/pipeline.hpp"

using namespace cellsched;

namespace {
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

model two_layer_model() {
  model m;
  m.name = "toy";
  m.compute_dtype = dtype::fp16;
  for (int i = 0; i < 2; ++i) {
    layer l;
    l.name = "l";
    l.name += std::to_string(i);
    l.kind = "transformer";
    l.params = 1e6;
    l.activation_bytes_per_sample = 100.0;
    l.activation_bytes_per_sample_tp_split = 200.0;
    l.boundary_bytes_per_sample = 10.0;
    m.layers.push_back(l);
  }
  return m;
}
}  // namespace

TEST_CASE("stage memory: weights, gradients, Adam state, activations", "[estimate][memory]") {
  const model m = two_layer_model();
  plan p;
  p.stages = {stage_plan{0, 2, 2, 2}};  // dp 2, tp 2
  p.micro_batch_samples = 4;            // 2 samples per replica
  p.num_micro_batches = 3;
  // 2e6 params / tp 2 = 1e6 local: weights 2 B, grads 2 B, Adam 12 B per parameter.
  stage_memory s = estimate_stage_memory(m, p.stages[0], p, 0, 1);
  REQUIRE(close(s.weights_bytes, 2e6));
  REQUIRE(close(s.grads_bytes, 2e6));
  REQUIRE(close(s.optimizer_bytes, 1.2e7));
  // No recomputation, 1F1B, one stage: 1 micro-batch in flight, per layer 2 x (100 + 200/2) = 400 B.
  REQUIRE(close(s.activation_bytes, 800.0));
  REQUIRE(close(s.peak_bytes(), 2e6 + 2e6 + 1.2e7 + 800.0));

  p.zero1 = true;  // Adam state over dp 2
  s = estimate_stage_memory(m, p.stages[0], p, 0, 1);
  REQUIRE(close(s.optimizer_bytes, 6e6));

  p.recompute = true;  // inputs: layer 1's input = layer 0's output 2 x 10 B; plus one layer recomputed 400 B
  s = estimate_stage_memory(m, p.stages[0], p, 0, 1);
  REQUIRE(close(s.activation_bytes, 420.0));

  p.schedule = pipeline_schedule::gpipe;  // all 3 micro-batches in flight
  s = estimate_stage_memory(m, p.stages[0], p, 0, 1);
  REQUIRE(close(s.activation_bytes, 3 * 20.0 + 400.0));
  p.recompute = false;
  s = estimate_stage_memory(m, p.stages[0], p, 0, 1);
  REQUIRE(close(s.activation_bytes, 2400.0));
}

TEST_CASE("fp32 models keep no master copy", "[estimate][memory]") {
  const param_bytes b = adam_param_bytes(dtype::fp32);
  REQUIRE(b.weights + b.grads + b.optimizer == 16.0);
  REQUIRE(b.optimizer == 8.0);
  const param_bytes h = adam_param_bytes(dtype::bf16);
  REQUIRE((h.weights == 2.0 && h.grads == 2.0 && h.optimizer == 12.0));
}

TEST_CASE("1F1B holds S - s micro-batches, GPipe all of them", "[estimate][memory]") {
  REQUIRE(in_flight_micro_batches(pipeline_schedule::one_f_one_b, 0, 4, 8) == 4);
  REQUIRE(in_flight_micro_batches(pipeline_schedule::one_f_one_b, 1, 4, 8) == 3);
  REQUIRE(in_flight_micro_batches(pipeline_schedule::one_f_one_b, 3, 4, 8) == 1);
  REQUIRE(in_flight_micro_batches(pipeline_schedule::one_f_one_b, 0, 4, 2) == 2);
  REQUIRE(in_flight_micro_batches(pipeline_schedule::gpipe, 3, 4, 8) == 8);
}

TEST_CASE("reserve is fixed plus a fraction", "[estimate][memory]") {
  const memory_reserve r;
  REQUIRE(close(r.bytes(80e9), 1e9 + 4e9));
}

TEST_CASE("pipeline formulas", "[estimate][pipeline]") {
  // Uniform stages F = 1, B = 2, S = 4, m = 8: (m + S - 1)(F + B) = 33 for both schedules.
  const std::vector<stage_time> uniform(4, stage_time{1.0, 2.0});
  const pipeline_time a = pipeline_iteration_time(uniform, {}, 8, pipeline_schedule::one_f_one_b);
  REQUIRE(close(a.total_s, 33.0));
  REQUIRE(close(a.busy_s, 24.0));
  REQUIRE(close(a.bubble_s, 9.0));  // (S - 1)(F + B)
  REQUIRE(close(pipeline_iteration_time(uniform, {}, 8, pipeline_schedule::gpipe).total_s, 33.0));
  // Unequal stages (3,1) and (1,3), m = 8. 1F1B: 8 + 7 x 4 = 36. GPipe: (4 + 7 x 3) + (4 + 7 x 3) = 50.
  const std::vector<stage_time> skew{{3.0, 1.0}, {1.0, 3.0}};
  REQUIRE(close(pipeline_iteration_time(skew, {}, 8, pipeline_schedule::one_f_one_b).total_s, 36.0));
  REQUIRE(close(pipeline_iteration_time(skew, {}, 8, pipeline_schedule::gpipe).total_s, 50.0));
  // One boundary with 0.5 per transfer: fill/drain 2 x 0.5, steady 7 x 2 x 0.5: +8.
  const pipeline_time q = pipeline_iteration_time(skew, {0.5}, 8, pipeline_schedule::one_f_one_b);
  REQUIRE(close(q.total_s, 44.0));
  REQUIRE(close(q.p2p_s, 8.0));
  // One stage: m (F + B), no bubble.
  const pipeline_time one = pipeline_iteration_time({{1.0, 2.0}}, {}, 5, pipeline_schedule::one_f_one_b);
  REQUIRE(close(one.total_s, 15.0));
  REQUIRE(one.bubble_s == 0.0);
}
