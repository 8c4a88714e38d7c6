#pragma once
// A model as a sequence of layers. Every figure is per training sample (one sequence or one image) so that
// the estimator can scale by micro-batch size; GEMM shapes are kept so throughput can depend on shape.
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

/// How tensor parallelism splits a GEMM (Megatron-LM: column-parallel then row-parallel).
enum class tp_split { none, column, row };

/// One forward matmul of a layer: [rows x k] * [k x n], `count` times per sample.
struct gemm_shape {
  std::string name;
  double rows_per_sample = 0.0;  ///< M per sample: tokens per sequence, or output pixels for a conv
  std::int64_t n = 0;            ///< output columns
  std::int64_t k = 0;            ///< reduction dimension
  double count = 1.0;            ///< repetitions per sample (e.g. attention heads, experts hit)
  tp_split split = tp_split::none;

  [[nodiscard]] double flops_per_sample() const noexcept {
    return 2.0 * rows_per_sample * static_cast<double>(n) * static_cast<double>(k) * count;
  }
};

/// The batched per-head GEMMs of attention (Q·Kᵀ and P·V), as the transformer builders name them.
[[nodiscard]] inline bool is_attention_core(const gemm_shape& g) noexcept {
  return g.name == "attention_scores" || g.name == "attention_context";
}

struct layer {
  std::string name;
  std::string kind;                    ///< "embedding", "transformer", "moe_transformer", "conv_block", "head", ...
  double params = 0.0;                 ///< parameter count
  std::vector<gemm_shape> gemms;       ///< forward GEMMs
  double other_fwd_flops_per_sample = 0.0;   ///< forward FLOPs not in `gemms`
  double mem_bound_bytes_per_sample = 0.0;   ///< forward memory traffic of norms, softmax, element-wise ops
  /// Activation bytes saved for backward without recomputation, split as a part that tensor parallelism
  /// does not divide and a part it divides by tp (Korthikanti et al. 2022, "Reducing activation
  /// recomputation", eq. 2: s·b·h·(10 + 24/t + 5·a·s/(h·t)) for a transformer layer).
  double activation_bytes_per_sample = 0.0;
  double activation_bytes_per_sample_tp_split = 0.0;
  double boundary_bytes_per_sample = 0.0;    ///< bytes of this layer's output (what crosses a stage boundary)
  int tp_allreduces_fwd = 0;                 ///< Megatron all-reduces per forward when tp > 1 (2 per transformer layer)
  double tp_allreduce_bytes_per_sample = 0.0;///< size of each such all-reduce
  double alltoall_bytes_per_sample = 0.0;    ///< expert-parallel all-to-all volume per forward (MoE), 0 otherwise
  int max_tp = 1;                            ///< largest tensor-parallel degree the layer supports (e.g. heads)
  /// The attention core (scores, softmax, dropout, context; Korthikanti et al. 2022 sec. 5), which
  /// selective recomputation repeats instead of storing: its forward element-wise traffic and the
  /// activations it would otherwise keep (part of activation_bytes_per_sample_tp_split). 0 for layers
  /// without attention.
  double attention_core_mem_bytes_per_sample = 0.0;
  double attention_core_activation_bytes_per_sample = 0.0;

  [[nodiscard]] double gemm_flops_per_sample() const noexcept {
    double f = 0.0;
    for (const auto& g : gemms) f += g.flops_per_sample();
    return f;
  }
  [[nodiscard]] double fwd_flops_per_sample() const noexcept {
    return gemm_flops_per_sample() + other_fwd_flops_per_sample;
  }
};

struct model {
  std::string name;    ///< e.g. "bert__2.6B" or "gpt3-175b"
  std::string family;  ///< "dense_transformer", "moe_transformer", "wide_resnet", "custom"
  dtype compute_dtype = dtype::fp16;
  std::int64_t seq_len = 0;  ///< tokens per sample (0 for non-sequence models)
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t vocab = 0;
  // What a launcher needs beyond the layers (0 / false for models that are not transformers):
  std::int64_t ffn_hidden = 0;        ///< FFN intermediate size
  std::int64_t num_query_groups = 0;  ///< K/V heads (= heads without grouped-query attention)
  bool swiglu = false;
  bool flash_attention = false;
  bool rotary = false;             ///< rotary position embedding (RoPE) instead of a learned position table
  bool untied_embeddings = false;  ///< the output layer has its own vocab x hidden weight
  bool rmsnorm = false;            ///< RMSNorm instead of LayerNorm
  bool linear_bias = true;         ///< the linear layers (QKV, projection, FFN) have biases
  int experts = 0;               ///< mixture of experts: experts per expert layer (0: dense)
  bool moe_every_layer = true;   ///< with experts: every layer an expert layer, else the odd layers (GShard)
  std::vector<layer> layers;

  [[nodiscard]] double params() const noexcept {
    double p = 0.0;
    for (const auto& l : layers) p += l.params;
    return p;
  }
  [[nodiscard]] double fwd_flops_per_sample() const noexcept {
    double f = 0.0;
    for (const auto& l : layers) f += l.fwd_flops_per_sample();
    return f;
  }
  [[nodiscard]] int num_layers() const noexcept { return static_cast<int>(layers.size()); }
};

}  // namespace cellsched
