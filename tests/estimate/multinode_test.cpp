// Communication across nodes (NIC rails, group placement, Megatron-LM's scatter/gather pipeline send),
// the exposed data-parallel gradient sync, interleaved 1F1B, and the activation options (selective
// recomputation, sequence parallelism), against figures worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/comm.hpp"
#include "cellsched/estimate/memory.hpp"
#include "cellsched/estimate/pipeline.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/model/transformer.hpp"
#include "cellsched/model/zoo.hpp"

using namespace cellsched;

namespace {
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }
}  // namespace

TEST_CASE("across nodes a group gets the rails its ranks reach, shared with its kind", "[estimate][comm]") {
  const link_params intra{1e-5, 300.0};
  const node_network rails{{3e-5, 200.0}, 8};  // DGX-like: 8 rails of 25 GB/s
  const node_network one_nic{{3e-5, 200.0}, 1};
  // 8 data-parallel groups, one rank of each per node: each rank on its own rail, 25 GB/s.
  REQUIRE(close(select_link({2, 2, 1, 8}, intra, rails).bw_gb_per_s, 25.0));
  // The same with one shared NIC: 200 / 8 groups.
  REQUIRE(close(select_link({2, 2, 1, 8}, intra, one_nic).bw_gb_per_s, 25.0));
  // One 16-rank group, 8 per node: all 8 rails, 200 GB/s (below NVLink's 300).
  REQUIRE(close(select_link({16, 2, 8, 1}, intra, rails).bw_gb_per_s, 200.0));
  REQUIRE(close(select_link({16, 2, 8, 1}, {1e-5, 150.0}, rails).bw_gb_per_s, 150.0));
  // One send between two nodes: one rail (25) with rails, the whole NIC (200) without.
  REQUIRE(close(select_link({2, 2, 1, 1}, intra, rails).bw_gb_per_s, 25.0));
  REQUIRE(close(select_link({2, 2, 1, 1}, intra, one_nic).bw_gb_per_s, 200.0));
  // Four concurrent single-rank groups on one NIC: 50 each; on 8 rails: 25 each (their own rail).
  REQUIRE(close(select_link({2, 2, 1, 4}, intra, one_nic).bw_gb_per_s, 50.0));
  REQUIRE(close(select_link({2, 2, 1, 4}, intra, rails).bw_gb_per_s, 25.0));
  REQUIRE(select_link({2, 2, 1, 4}, intra, rails).latency_s == 3e-5);
  REQUIRE(select_link({8, 1, 8, 1}, intra, rails).bw_gb_per_s == 300.0);  // inside a node
}

TEST_CASE("stage groups: ranks per node and concurrent groups per node", "[estimate][comm]") {
  const auto nodes = node_of_positions({8, 8});
  const stage_groups a = place_stage_groups(nodes, 0, 2, 8);  // tp 8 per node, dp pairs across the nodes
  REQUIRE((a.tp.nodes == 1 && a.dp.nodes == 2));
  REQUIRE((a.dp.ranks_per_node == 1 && a.dp.groups_per_node == 8));
  const stage_groups b = place_stage_groups(nodes, 0, 16, 1);  // one 16-way dp group, 8 per node
  REQUIRE((b.dp.nodes == 2 && b.dp.ranks_per_node == 8 && b.dp.groups_per_node == 1));
  const stage_groups c = place_stage_groups(nodes, 0, 1, 16);  // tp across both nodes
  REQUIRE((c.tp.nodes == 2 && c.tp.ranks_per_node == 8 && c.tp.groups_per_node == 1));
}

TEST_CASE("pipeline sends: only the stage's pairs that cross a node share its network", "[estimate][comm]") {
  // Two stages of tp 8 on two nodes: 8 sends leave node 0 at once.
  const group_placement a = place_boundary_sends(node_of_positions({8, 8}), 0, 8, 8);
  REQUIRE((a.ranks == 2 && a.nodes == 2 && a.groups_per_node == 8));
  // Stages of dp 2 x tp 4 on nodes of 4: every send crosses, 4 per node (not the stage's 8 GPUs).
  const group_placement b = place_boundary_sends(node_of_positions({4, 4, 4, 4}), 0, 8, 8);
  REQUIRE((b.nodes == 2 && b.groups_per_node == 4));
  // Both stages on one node: no network.
  REQUIRE(place_boundary_sends(node_of_positions({16}), 0, 8, 8).nodes == 1);
}

TEST_CASE("scatter/gather pipeline send: 1/tp per rank over its rail, then an NVLink all-gather",
          "[estimate][pipeline]") {
  // Two layers that only produce a 100 MB boundary tensor; two stages of tp 8 on two DGX A100 nodes.
  model m;
  m.name = "boundary";
  for (int i = 0; i < 2; ++i) {
    layer l;
    l.name = "l" + std::to_string(i);
    l.kind = "custom";
    l.boundary_bytes_per_sample = 1e8;
    l.max_tp = 8;
    m.layers.push_back(l);
  }
  cell c;
  c.gpu_type = "a100-80gb";
  c.num_gpus = 16;
  c.stages = 2;
  c.layout = {8, 8};
  plan p;
  p.stages = {stage_plan{0, 1, 1, 8}, stage_plan{1, 2, 1, 8}};
  p.micro_batch_samples = 1;
  p.num_micro_batches = 1;
  const analytic_estimator est(builtin_catalog());
  const analytic_params& k = est.params();
  const estimate_result r = est.estimate(m, c, p);
  REQUIRE(r.infeasible_reason.empty());
  // Send: 1e8 / 8 bytes on one 25 GB/s rail (200 GB/s node / 8 rails, x 0.85), latency max(30, 20) us.
  const double rail = 200.0 * k.inter_link_efficiency / 8.0 * 1e9;
  const double send = std::max(k.inter_latency_s, k.intra_latency_s) + 1.25e7 / rail;
  // All-gather of the whole 1e8 bytes over the 8 receiving ranks on NVSwitch: 7/8 x 1e8 / (300 x 0.77).
  const double gather = k.intra_latency_s + 0.875e8 / (300.0 * k.intra_link_efficiency * 1e9);
  REQUIRE(close(r.stages[0].p2p_s, send + gather));
  // With sequence parallelism the tensor is already split: no all-gather.
  p.sequence_parallel = true;
  REQUIRE(close(est.estimate(m, c, p).stages[0].p2p_s, send));
}

TEST_CASE("exposed gradient sync: after the stage's last backward, or hidden under it", "[estimate][pipeline]") {
  const std::vector<stage_time> st = {{1.0, 2.0}, {1.0, 3.0}};
  // Not overlapped: stage 0 ends last (5 exposed); stage 1 ends B_0 = 2 earlier (4 - 2 = 2).
  REQUIRE(close(exposed_gradient_sync({5.0, 4.0}, {0.5, 0.5}, st, false), 5.0));
  // Overlapped: stage 0 hides 2 of 5 under its last backward: 3; stage 1: max(0.5, 4 - 3) - 2 = -1.
  REQUIRE(close(exposed_gradient_sync({5.0, 4.0}, {0.5, 0.5}, st, true), 3.0));
  // A reduction shorter than the backward leaves only its last bucket: stage 0's 0.25; stage 1's 0.5
  // ends B_0 = 2 before the pipeline does (its slack), so it is hidden.
  REQUIRE(close(exposed_gradient_sync({1.0, 1.0}, {0.25, 0.5}, st, true), 0.25));
  // A last bucket longer than its stage's slack shows the rest: stage 1's 2.5 - 2 = 0.5.
  REQUIRE(close(exposed_gradient_sync({1.0, 2.5}, {0.25, 2.5}, st, true), 0.5));
  // A bucket larger than the whole reduction is the whole reduction.
  REQUIRE(close(exposed_gradient_sync({0.1}, {0.5}, {{1.0, 2.0}}, true), 0.1));
  // Megatron-LM's bucket: max(40M, 1M x dp) parameters.
  REQUIRE(grad_bucket_params(40e6, 8) == 40e6);
  REQUIRE(grad_bucket_params(40e6, 128) == 128e6);
}

TEST_CASE("interleaved 1F1B: fill and drain shrink by v, transfers grow by v", "[estimate][pipeline]") {
  const std::vector<stage_time> four(4, stage_time{1.0, 2.0});
  // (m + (S - 1)/v)(F + B): (8 + 3/2) x 3 = 28.5; plain 1F1B (8 + 3) x 3 = 33.
  REQUIRE(close(pipeline_iteration_time(four, {}, 8, pipeline_schedule::one_f_one_b, 2).total_s, 28.5));
  REQUIRE(close(pipeline_iteration_time(four, {}, 8, pipeline_schedule::one_f_one_b, 1).total_s, 33.0));
  // Transfers of 0.1 s on 3 boundaries: v x (2 x 0.3 + 7 x 2 x 0.1) = 2 x 2.0 = 4.0.
  const pipeline_time t = pipeline_iteration_time(four, {0.1, 0.1, 0.1}, 8, pipeline_schedule::one_f_one_b, 2);
  REQUIRE(close(t.p2p_s, 4.0));
  REQUIRE(close(t.total_s, 32.5));
  // Memory: stage 0 of 4 with v = 2 holds (3 x 2 + 1 x 4 + 1) = 11 chunks = 5.5 stages' worth; the last
  // stage 5 chunks = 2.5; with 2 micro-batches at most 2 x 2 chunks = 2.
  REQUIRE(close(in_flight_stage_activations(pipeline_schedule::one_f_one_b, 0, 4, 8, 2), 5.5));
  REQUIRE(close(in_flight_stage_activations(pipeline_schedule::one_f_one_b, 3, 4, 8, 2), 2.5));
  REQUIRE(close(in_flight_stage_activations(pipeline_schedule::one_f_one_b, 0, 4, 2, 2), 2.0));
  REQUIRE(close(in_flight_stage_activations(pipeline_schedule::one_f_one_b, 0, 4, 8, 1), 4.0));
}

TEST_CASE("selective recomputation and sequence parallelism: activations kept", "[estimate][memory]") {
  layer l;
  l.activation_bytes_per_sample = 100.0;             // not divided by tp
  l.activation_bytes_per_sample_tp_split = 200.0;    // divided by tp
  l.attention_core_activation_bytes_per_sample = 120.0;
  REQUIRE(close(layer_activation_bytes(l, 1.0, 2, false, false), 200.0));
  REQUIRE(close(layer_activation_bytes(l, 1.0, 2, false, true), 100.0 + 80.0 / 2));
  REQUIRE(close(layer_activation_bytes(l, 1.0, 2, true, false), 100.0 / 2 + 200.0 / 2));
  REQUIRE(close(layer_activation_bytes(l, 2.0, 2, true, true), 2.0 * (50.0 + 40.0)));
  // Korthikanti et al. 2022 eq. 2 with selective recomputation and sequence parallelism: the GPT layer
  // keeps 34·s·h/t bytes per sample in fp16 (Table 2).
  const transformer_config tc = gpt_config(4096, 2, 32, 2048, 51200);
  const model m = build_dense_transformer(tc);
  const layer& block = m.layers[1];
  REQUIRE(block.kind == "transformer");
  REQUIRE(close(layer_activation_bytes(block, 1.0, 8, true, true), 34.0 * 2048 * 4096 / 8));
  REQUIRE(close(layer_activation_bytes(block, 1.0, 8, false, false),
                2048.0 * 4096 * (10 + 24.0 / 8 + 5.0 * 32 * 2048 / (4096.0 * 8))));
}

TEST_CASE("selective recomputation costs the attention core once more, less than full", "[estimate]") {
  const model m = build_dense_transformer(gpt_config(4096, 4, 32, 2048, 51200));
  cell c;
  c.gpu_type = "a100-80gb";
  c.num_gpus = 8;
  c.stages = 1;
  c.layout = {8};
  plan p;
  p.stages = {stage_plan{0, m.num_layers(), 1, 8}};
  p.micro_batch_samples = 1;
  p.num_micro_batches = 4;
  const analytic_estimator est(builtin_catalog());
  const double none = est.estimate(m, c, p).iter_time_s;
  p.selective_recompute = true;
  const double selective = est.estimate(m, c, p).iter_time_s;
  p.recompute = true;
  const double full = est.estimate(m, c, p).iter_time_s;
  REQUIRE(none < selective);
  REQUIRE(selective < full);
}
