// Hand-worked GEMM, memory-bound and collective times (figures computed on paper, exact to 1e-9).
#include <catch2/catch.hpp>

#include "cellsched/estimate/comm.hpp"
#include "cellsched/estimate/compute.hpp"

using namespace cellsched;

namespace {
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }
}  // namespace

TEST_CASE("GEMM time follows the documented efficiency curve", "[estimate][compute]") {
  const gemm_curve c{0.8, 128.0, 128.0, 64.0};
  // 1024^3: flops 2^31; inverse efficiency (1 + 1/8 + 1/8 + 1/16) / 0.8 = 1.640625;
  // 2147483648 x 1.640625 / 1e14 = 3.52321536e-5 s; operands 6,291,456 B at 1000 GB/s = 6.29e-6 s.
  const gemm_dims g{1024, 1024, 1024, 1};
  REQUIRE(g.flops() == 2147483648.0);
  REQUIRE(close(gemm_inverse_efficiency(g, c), 1.640625));
  REQUIRE(close(gemm_time_s(g, 100.0, 1000.0, 2.0, c), 3.52321536e-5));
  // m=n=1024, k=64: compute 134217728 x 2.8125 / 1e14 = 3.7748736e-6 s; operands 2,359,296 B at
  // 100 GB/s = 2.359296e-5 s: memory-bound.
  const gemm_dims thin{1024, 1024, 64, 1};
  REQUIRE(close(gemm_time_s(thin, 100.0, 100.0, 2.0, c), 2.359296e-5));
  REQUIRE(gemm_time_s(gemm_dims{0, 1, 1, 1}, 100.0, 100.0, 2.0, c) == 0.0);
}

TEST_CASE("tensor parallelism splits GEMMs the Megatron way", "[estimate][compute]") {
  const gemm_shape col{"fc1", 512.0, 4096, 1024, 1.0, tp_split::column};
  const gemm_shape row{"fc2", 512.0, 1024, 4096, 1.0, tp_split::row};
  const gemm_shape heads{"scores", 512.0, 512, 64, 16.0, tp_split::column};
  const gemm_dims c = forward_dims(col, 4.0, 4);
  REQUIRE((c.m == 2048.0 && c.n == 1024.0 && c.k == 1024.0 && c.count == 1.0));
  const gemm_dims r = forward_dims(row, 4.0, 4);
  REQUIRE((r.m == 2048.0 && r.n == 1024.0 && r.k == 1024.0));
  const gemm_dims h = forward_dims(heads, 4.0, 4);  // 16 heads x 4 samples / 4 ranks = 16 GEMMs of 512x512x64
  REQUIRE((h.m == 512.0 && h.n == 512.0 && h.k == 64.0 && h.count == 16.0));
  REQUIRE(close(h.flops() * 4.0, heads.flops_per_sample() * 4.0));
  // Backward shapes: dX is m x k (reduce over n), dW is k x n (reduce over m).
  const gemm_dims dx = input_grad_dims(c), dw = weight_grad_dims(c);
  REQUIRE((dx.m == 2048.0 && dx.n == 1024.0 && dx.k == 1024.0));
  REQUIRE((dw.m == 1024.0 && dw.n == 1024.0 && dw.k == 2048.0));
}

TEST_CASE("memory-bound traffic divides by tp in the activation proportion", "[estimate][compute]") {
  layer l;
  l.mem_bound_bytes_per_sample = 1000.0;
  l.activation_bytes_per_sample = 100.0;
  l.activation_bytes_per_sample_tp_split = 300.0;  // 3/4 of the traffic is split
  // 2 samples on 4 ranks: 2000 x (1/4 + 3/4 / 4) = 875 bytes; at 1 GB/s 8.75e-7 s.
  REQUIRE(close(memory_bound_bytes(l, 2.0, 4), 875.0));
  REQUIRE(close(memory_bound_time_s(875.0, 1.0), 8.75e-7));
}

TEST_CASE("ring volume factors", "[estimate][comm]") {
  REQUIRE(close(ring_volume_factor(collective_kind::all_reduce, 8), 1.75));
  REQUIRE(close(ring_volume_factor(collective_kind::all_reduce, 2), 1.0));
  REQUIRE(close(ring_volume_factor(collective_kind::all_gather, 8), 0.875));
  REQUIRE(close(ring_volume_factor(collective_kind::reduce_scatter, 4), 0.75));
  REQUIRE(close(ring_volume_factor(collective_kind::send_recv, 2), 1.0));
  // 1 GB all-reduce over 4 ranks at 100 GB/s bus bandwidth, 10 us latency: 1e-5 + 1.5 x 0.01 = 0.01501 s.
  REQUIRE(close(collective_time_s(collective_kind::all_reduce, 1e9, 4, {1e-5, 100.0}), 0.01501));
  REQUIRE(collective_time_s(collective_kind::all_reduce, 1e9, 1, {1e-5, 100.0}) == 0.0);
  // Reduce-scatter + all-gather moves what one all-reduce moves.
  REQUIRE(close(collective_time_s(collective_kind::reduce_scatter, 1e9, 4, {0.0, 100.0}) +
                    collective_time_s(collective_kind::all_gather, 1e9, 4, {0.0, 100.0}),
                collective_time_s(collective_kind::all_reduce, 1e9, 4, {0.0, 100.0})));
}

TEST_CASE("a group inside a node uses the intra-node link, one spanning nodes the NIC share", "[estimate][comm]") {
  const link_params intra{1e-5, 300.0};
  const node_network inter{{3e-5, 200.0}, 1};  // one NIC per node
  group_placement inside{8, 1, 8, 1};
  REQUIRE(select_link(inside, intra, inter).bw_gb_per_s == 300.0);
  REQUIRE(select_link(inside, intra, inter).latency_s == 1e-5);
  group_placement across{2, 2, 1, 4};  // 4 groups of each node share 200 GB/s: 50 GB/s each
  REQUIRE(select_link(across, intra, inter).bw_gb_per_s == 50.0);
  REQUIRE(select_link(across, intra, inter).latency_s == 3e-5);
  group_placement one_per_node{2, 2, 1, 1};  // bound by the slower of NIC (200) and NVLink (300)
  REQUIRE(select_link(one_per_node, intra, inter).bw_gb_per_s == 200.0);
  REQUIRE(select_link(one_per_node, {1e-5, 100.0}, inter).bw_gb_per_s == 100.0);
}

TEST_CASE("stage groups are placed tp-innermost on the node layout", "[estimate][comm]") {
  const auto nodes = node_of_positions({4, 4});
  REQUIRE(nodes == std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1});
  const stage_groups g = place_stage_groups(nodes, 0, 2, 4);  // tp groups {0..3}, {4..7}; dp pairs (0,4), ...
  REQUIRE(g.tp.nodes == 1);
  REQUIRE(g.dp.nodes == 2);
  REQUIRE((g.dp.ranks_per_node == 1 && g.dp.groups_per_node == 4));
  const stage_groups h = place_stage_groups(nodes, 0, 1, 8);  // one tp group across both nodes
  REQUIRE(h.tp.nodes == 2);
  REQUIRE(h.dp.nodes == 1);
  const stage_groups s = place_stage_groups(nodes, 4, 2, 2);  // second stage: positions 4..7, one node
  REQUIRE((s.tp.nodes == 1 && s.dp.nodes == 1));
}

TEST_CASE("fp8: the attention core's GEMMs run at the 16-bit rate, the linear layers at the fp8 rate",
          "[estimate][compute]") {
  layer l;
  l.gemms.push_back({"qkv", 1024.0, 1024, 1024, 1.0, tp_split::column});
  l.gemms.push_back({"attention_scores", 1024.0, 1024, 64, 16.0, tp_split::column});
  const gemm_curve c{1.0, 0.0, 0.0, 0.0};  // flat: time = FLOPs / peak
  // Forward FLOPs: qkv 2 x 1024^3 = 2.147483648e9; scores 2 x 1024 x 1024 x 64 x 16 = 2.147483648e9.
  // At 200 TFLOP/s for both: 2 x 1.073741824e-5 s; with the core at 100: 1.073741824e-5 + 2.147483648e-5.
  const layer_work same = compute_layer_work(l, 1.0, 1, 200.0, 0.0, 1.0, c);
  const layer_work split = compute_layer_work(l, 1.0, 1, 200.0, 0.0, 1.0, c, 100.0);
  REQUIRE(same.gemm_fwd_s == Approx(2.147483648e-5).epsilon(1e-12));
  REQUIRE(split.gemm_fwd_s == Approx(1.073741824e-5 + 2.147483648e-5).epsilon(1e-12));
  // Backward: two GEMMs of each forward's size, the same rates.
  REQUIRE(split.gemm_bwd_s == Approx(2.0 * split.gemm_fwd_s).epsilon(1e-12));
}
