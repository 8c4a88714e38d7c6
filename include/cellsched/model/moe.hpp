#pragma once
// Mixture-of-experts transformer in the GShard layout that Alpa's benchmark models (and so the Crius/Arena
// traces) use: the attention half of a transformer layer, then a gated set of `experts` FFNs with top-2
// routing over groups of `expert_group_size` tokens.
//
// Routing choices (docs/formats/model.md):
// * Top-2 with capacity C = 2·G/E per expert per group (GShard, Lepikhin et al. 2020, with capacity factor
//   1 per selected expert), so every token is processed by two experts: expert FC1/FC2 run on 2·s rows
//   per sample, i.e. 2× the dense FFN FLOPs.
// * Dispatch and combine are dense one-hot einsums, as Alpa/GShard execute them: dispatch maps [G x M]
//   tokens to [E·C x M] = [2G x M] expert slots with a reduction over the G tokens of the group, i.e. a
//   GEMM with 2·s rows per sample, n = hidden, k = G; combine is the same shape. Each costs 4·s·h·G FLOPs
//   per sample. The gate is a GEMM [s x h]·[h x E]. The top-2 selection itself (cumulative sums over the
//   group to assign capacity slots) is counted as 4·s·G non-GEMM FLOPs. These are the terms of Alpa's
//   `compute_moe_tflops` (alpa/util.py).
// * All-to-all: with experts sharded across devices, the dispatched tensor [E·C x M] (2·s·h elements per
//   sample) goes through one all-to-all and the expert outputs (same size) through another, so
//   alltoall_bytes_per_sample = 2 · 2·s·h · bytes per element (total size entering the all-to-alls, before
//   any (n−1)/n factor).
// * Tensor parallelism splits each expert's FC1 by columns and FC2 by rows (as Megatron splits a dense
//   FFN); gate, dispatch and combine are replicated.
#include <cstdint>
#include <string>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/model/transformer.hpp"

namespace cellsched {

namespace detail {

/// One expert layer: attention half as in a dense layer, then gate, dispatch, experts, combine.
[[nodiscard]] inline layer moe_transformer_layer(const transformer_config& c, std::int64_t index) {
  const double s = as_double(c.seq_len), h = as_double(c.hidden), f = as_double(c.ffn());
  const double g = as_double(c.expert_group_size), n_exp = static_cast<double>(c.experts);
  const double e = storage_bytes_per_element(c.compute_dtype);
  const double routed_rows = 2.0 * s;  // top-2: E·C = 2G slots per group of G tokens
  layer l;
  l.name = "layer_" + std::to_string(index);
  l.kind = "moe_transformer";
  l.params = attention_and_norm_params(c) + h * n_exp /* gate, no bias */ + n_exp * ffn_params(c);
  add_attention_gemms(l, c);
  l.gemms.push_back({"moe_gate", s, c.experts, c.hidden, 1.0, tp_split::none});
  l.gemms.push_back({"moe_dispatch", routed_rows, c.hidden, c.expert_group_size, 1.0, tp_split::none});
  l.gemms.push_back({"expert_fc1", routed_rows, c.ffn(), c.hidden, 1.0, tp_split::column});
  l.gemms.push_back({"expert_fc2", routed_rows, c.hidden, c.ffn(), 1.0, tp_split::row});
  l.gemms.push_back({"moe_combine", s, c.hidden, 2 * c.expert_group_size, 1.0, tp_split::none});
  l.other_fwd_flops_per_sample = 4.0 * s * g;  // top-2 selection and slot assignment
  // Element-wise traffic: gate softmax in fp32 (read + write s·E), building the dispatch and combine
  // tensors (write 2 · s·2G), bias+GeLU on the routed rows (read + write), bias-dropout-residual.
  l.mem_bound_bytes_per_sample = attention_mem_bound_bytes(c) + 2.0 * 4.0 * s * n_exp +
                                 2.0 * e * s * 2.0 * g + 2.0 * e * routed_rows * f + (3.0 * e + 1.0) * s * h;
  // Saved for backward, not divided by tp: the layernorm output that feeds gate and dispatch, the fp32 gate
  // probabilities, the dispatch mask and combine weights (s·2G elements each), the routed FC1 input and
  // the routed expert output (combine input), the dropout mask. Divided by tp: GeLU input and FC2 input
  // on the routed rows.
  const auto att = attention_activations(c);
  l.activation_bytes_per_sample = att.shared + e * s * h + 4.0 * s * n_exp + 2.0 * e * s * 2.0 * g +
                                  2.0 * e * routed_rows * h + s * h;
  l.activation_bytes_per_sample_tp_split = att.tp_divided + 2.0 * e * routed_rows * f;
  l.boundary_bytes_per_sample = e * s * h;
  // Two all-reduces: after the attention projection (s·h) and after the experts' FC2 (2·s·h); recorded as
  // two of the mean size so the total volume is right.
  l.tp_allreduces_fwd = 2;
  l.tp_allreduce_bytes_per_sample = 1.5 * e * s * h;
  l.alltoall_bytes_per_sample = 2.0 * e * routed_rows * h;
  l.max_tp = static_cast<int>(c.kv_heads());  // Megatron-LM needs tp | heads and tp | query groups
  set_attention_core(l, c);
  return l;
}

}  // namespace detail

/// A mixture-of-experts transformer: embedding, `num_layers` layers (every layer an expert layer when
/// moe_every_layer, else expert layers at odd indices and dense layers at even ones, as in GShard and
/// Alpa), head. Requires experts >= 2 and expert_group_size > 0.
[[nodiscard]] inline model build_moe_transformer(const transformer_config& c) {
  detail::check_transformer_config(c);
  if (c.experts < 2) throw input_error("", "experts", "an integer >= 2 for a mixture-of-experts model");
  if (c.expert_group_size <= 0)
    throw input_error("", "expert_group_size", "an integer > 0 for a mixture-of-experts model");
  model m = detail::transformer_shell(c, "moe_transformer");
  m.layers.reserve(static_cast<std::size_t>(c.num_layers) + 2);
  m.layers.push_back(detail::embedding_layer(c));
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    const bool expert_layer = c.moe_every_layer || i % 2 == 1;
    m.layers.push_back(expert_layer ? detail::moe_transformer_layer(c, i) : detail::dense_transformer_layer(c, i));
  }
  m.layers.push_back(detail::head_layer(c));
  return m;
}

}  // namespace cellsched
