#pragma once
// Dense transformer (GPT/BERT) in the Megatron-LM layout: an embedding layer, `num_layers` transformer
// layers (QKV, attention, projection, two FFN GEMMs, two layernorms) and a head (final layernorm and the
// logits GEMM against the tied embedding). Every figure is per sample (one sequence of seq_len tokens).
//
// Conventions (docs/formats/model.md explains them with the formulas):
// * FLOPs: a GEMM [m x k]·[k x n] costs 2·m·n·k. Per layer the GEMMs give 24·s·h² + 4·s²·h
//   = 24·s·h²·(1 + s/(6h)) for ffn_hidden = 4h (Narayanan et al. 2021, "Efficient large-scale language
//   model training on GPU clusters", appendix). Element-wise work (layernorm, softmax, GeLU, dropout,
//   residual adds) is memory-bound and is given as bytes, not FLOPs, so other_fwd_flops_per_sample = 0.
// * Parameters: per layer 12h² + 13h (QKV 3h²+3h, projection h²+h, FC1 4h²+4h, FC2 4h²+h, two layernorms
//   4h); embedding vocab·h + seq·h (learned positions); head 2h (final layernorm). The logits GEMM uses the
//   tied embedding: its FLOPs are counted, its parameters are not counted twice. Today's models (Llama:
//   Touvron et al. 2023, "Llama 2", sec. 2.2; Dubey et al. 2024, "The Llama 3 Herd of Models", sec. 3.1.1)
//   change the counts: rotary positions (no seq·h table), an untied output layer (+vocab·h in the head),
//   RMSNorm (h per norm instead of 2h) and linear layers without biases.
// * Activations saved for backward follow Korthikanti et al. 2022 ("Reducing activation recomputation in
//   large transformer models", section 4.1): per layer s·h·(10 + 24/t + 5·a·s/(h·t)) bytes for fp16 and
//   ffn_hidden = 4h, generalised below to other element sizes and FFN widths.
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

struct transformer_config {
  std::string name;
  std::int64_t hidden = 0;
  std::int64_t num_layers = 0;
  std::int64_t heads = 0;
  std::int64_t seq_len = 0;
  std::int64_t vocab = 0;
  std::int64_t ffn_hidden = 0;  ///< FFN (and expert FFN) intermediate size; 0 -> 4·hidden
  /// Grouped-query attention (Ainslie et al. 2023, "GQA"): K and V have this many heads, shared by groups
  /// of query heads; 0 -> heads (multi-head attention), 1 -> multi-query attention.
  std::int64_t num_query_groups = 0;
  /// Gated MLP (SwiGLU; Shazeer 2020, "GLU Variants Improve Transformer"): FC1 produces 2·ffn (gate and
  /// up projections), the element-wise SiLU(gate)·up feeds FC2 (ffn -> hidden).
  bool swiglu = false;
  /// Fused attention (FlashAttention; Dao et al. 2022): the a·s² scores are neither stored nor streamed
  /// through memory; the kernel keeps only the per-row softmax statistics (fp32, a·s) for the backward.
  bool flash_attention = false;
  /// Rotary position embedding (RoPE; Su et al. 2021, "RoFormer"): no learned seq x hidden position table;
  /// q and k are rotated element-wise in every layer (memory traffic, no GEMM).
  bool rotary = false;
  /// The output (logits) layer has its own vocab x hidden weight instead of reusing the input embedding:
  /// vocab·h more parameters, gradients and optimizer state; the logits GEMM's FLOPs are the same.
  bool untied_embeddings = false;
  /// RMSNorm (Zhang & Sennrich 2019): a scale but no shift, so h parameters per norm instead of 2h; the
  /// same one read and one write of its input as LayerNorm.
  bool rmsnorm = false;
  /// Biases on the linear layers (QKV, projection, FC1, FC2). Llama has none.
  bool linear_bias = true;
  dtype compute_dtype = dtype::fp16;
  int experts = 0;                     ///< 0 = dense; > 0 = mixture of experts (model/moe.hpp)
  std::int64_t expert_group_size = 0;  ///< tokens per routing group (GShard); MoE only
  bool moe_every_layer = true;         ///< false: experts in every other layer (odd layers), as GShard/Alpa

  [[nodiscard]] std::int64_t ffn() const noexcept { return ffn_hidden > 0 ? ffn_hidden : 4 * hidden; }
  [[nodiscard]] std::int64_t kv_heads() const noexcept { return num_query_groups > 0 ? num_query_groups : heads; }
  [[nodiscard]] bool is_moe() const noexcept { return experts > 0; }
};

namespace detail {

/// Checks the fields every transformer builder needs; throws input_error naming the field.
inline void check_transformer_config(const transformer_config& c) {
  auto require_positive = [](std::int64_t v, const char* field) {
    if (v <= 0) throw input_error("", field, "an integer > 0, got " + std::to_string(v));
  };
  if (c.name.empty()) throw input_error("", "name", "a non-empty model name");
  require_positive(c.hidden, "hidden");
  require_positive(c.num_layers, "num_layers");
  require_positive(c.heads, "heads");
  require_positive(c.seq_len, "seq_len");
  require_positive(c.vocab, "vocab");
  if (c.ffn_hidden < 0) throw input_error("", "ffn_hidden", "an integer >= 0 (0 means 4*hidden)");
  if (c.hidden % c.heads != 0)
    throw input_error("", "heads", "a divisor of hidden (" + std::to_string(c.hidden) + "), got " +
                                       std::to_string(c.heads));
  if (c.experts < 0) throw input_error("", "experts", "an integer >= 0");
  if (c.num_query_groups < 0 || (c.num_query_groups > 0 && c.heads % c.num_query_groups != 0))
    throw input_error("", "num_query_groups",
                      "0 (one per head) or a divisor of heads (" + std::to_string(c.heads) + "), got " +
                          std::to_string(c.num_query_groups));
}

[[nodiscard]] inline double as_double(std::int64_t v) noexcept { return static_cast<double>(v); }

/// The attention half shared by dense and MoE layers: QKV (column split), scores Q·Kᵀ and context P·V
/// per head (split by heads, i.e. column), output projection (row split).
inline void add_attention_gemms(layer& l, const transformer_config& c) {
  const double s = as_double(c.seq_len);
  const std::int64_t h = c.hidden;
  const std::int64_t head_dim = c.hidden / c.heads;
  const double a = as_double(c.heads);
  l.gemms.push_back({"qkv", s, h + 2 * c.kv_heads() * head_dim, h, 1.0, tp_split::column});
  l.gemms.push_back({"attention_scores", s, c.seq_len, head_dim, a, tp_split::column});
  l.gemms.push_back({"attention_context", s, head_dim, c.seq_len, a, tp_split::column});
  l.gemms.push_back({"attention_proj", s, h, h, 1.0, tp_split::row});
}

/// Parameters of one norm: LayerNorm's scale and shift 2h, RMSNorm's scale h.
[[nodiscard]] inline double norm_params(const transformer_config& c) noexcept {
  return (c.rmsnorm ? 1.0 : 2.0) * as_double(c.hidden);
}

/// Parameters of the attention half plus both norms: QKV h·q + q with q = h + 2·g·d (g K/V heads of
/// d = h/a; 3h for multi-head attention), projection h²+h (biases only with linear_bias), two norms.
[[nodiscard]] inline double attention_and_norm_params(const transformer_config& c) noexcept {
  const double h = as_double(c.hidden);
  const double q = h + 2.0 * as_double(c.kv_heads()) * as_double(c.hidden / c.heads);
  const double bias = c.linear_bias ? q + h : 0.0;
  return h * q + h * h + bias + 2.0 * norm_params(c);
}

/// Parameters of one FFN: FC1 h·f + f, FC2 f·h + h; SwiGLU's FC1 is twice as wide (gate and up).
[[nodiscard]] inline double ffn_params(const transformer_config& c) noexcept {
  const double h = as_double(c.hidden);
  const double f = as_double(c.ffn());
  const double fc1 = c.swiglu ? 2.0 * f : f;
  return h * fc1 + f * h + (c.linear_bias ? fc1 + h : 0.0);
}

/// Activation bytes of the attention half and the layernorms per sample (Korthikanti et al. 2022 §4.1,
/// with e bytes per element instead of 2): tp-independent: QKV input e·sh, attention dropout mask sh,
/// two layernorm inputs 2e·sh; tp-divided: Q and K 2e·sh, V e·sh, projection input e·sh, and per head
/// softmax output, dropout mask and dropout output (2e + 1)·a·s².
struct activation_split {
  double shared = 0.0;
  double tp_divided = 0.0;
};
/// Grouped-query attention keeps K and V at g/a of their multi-head size. Flash attention keeps no a·s²
/// tensor, only the fp32 softmax statistics 4·a·s (and applies dropout inside the kernel).
[[nodiscard]] inline activation_split attention_activations(const transformer_config& c) noexcept {
  const double s = as_double(c.seq_len), h = as_double(c.hidden), a = as_double(c.heads);
  const double e = storage_bytes_per_element(c.compute_dtype);
  const double kv = as_double(c.kv_heads()) / a;
  const double scores = c.flash_attention ? 4.0 * a * s : (2.0 * e + 1.0) * a * s * s;
  return {(3.0 * e + 1.0) * s * h, (2.0 + 2.0 * kv) * e * s * h + scores};
}

/// Rotary embedding's forward traffic: q (s·h) and k (s·g·d) read and written once each; the cos/sin
/// tables (s·d) are negligible. Zero with learned positions.
[[nodiscard]] inline double rope_mem_bound_bytes(const transformer_config& c) noexcept {
  if (!c.rotary) return 0.0;
  const double s = as_double(c.seq_len), h = as_double(c.hidden);
  const double k = as_double(c.kv_heads()) * as_double(c.hidden / c.heads);
  return 2.0 * storage_bytes_per_element(c.compute_dtype) * s * (h + k);
}

/// Forward memory traffic of the attention half's element-wise work (plus RoPE when rotary): two
/// layernorms (read + write),
/// fused scale-mask-softmax (read + write a·s²), attention dropout (read, write, mask), and
/// bias-dropout-residual after the projection (read 2, write 1, mask).
[[nodiscard]] inline double attention_mem_bound_bytes(const transformer_config& c) noexcept {
  const double s = as_double(c.seq_len), h = as_double(c.hidden), a = as_double(c.heads);
  const double e = storage_bytes_per_element(c.compute_dtype);
  const double scores = c.flash_attention ? 0.0 : 2.0 * e * a * s * s + (2.0 * e + 1.0) * a * s * s;
  return 4.0 * e * s * h + scores + (3.0 * e + 1.0) * s * h + rope_mem_bound_bytes(c);
}

/// Marks the attention core of a layer (selective recomputation): the softmax (read + write a·s²) and the
/// dropout (read, write, mask) traffic, and the (2e + 1)·a·s² bytes of softmax output, dropout mask and
/// dropout output it keeps (Korthikanti et al. 2022: 5·a·s² for e = 2).
inline void set_attention_core(layer& l, const transformer_config& c) noexcept {
  if (c.flash_attention) return;  // nothing materialised: nothing for selective recomputation to drop
  const double s = as_double(c.seq_len), a = as_double(c.heads);
  const double e = storage_bytes_per_element(c.compute_dtype);
  l.attention_core_mem_bytes_per_sample = 2.0 * e * a * s * s + (2.0 * e + 1.0) * a * s * s;
  l.attention_core_activation_bytes_per_sample = (2.0 * e + 1.0) * a * s * s;
}

/// One dense transformer layer.
[[nodiscard]] inline layer dense_transformer_layer(const transformer_config& c, std::int64_t index) {
  const double s = as_double(c.seq_len), h = as_double(c.hidden), f = as_double(c.ffn());
  const double e = storage_bytes_per_element(c.compute_dtype);
  layer l;
  l.name = "layer_" + std::to_string(index);
  l.kind = "transformer";
  l.params = attention_and_norm_params(c) + ffn_params(c);
  add_attention_gemms(l, c);
  l.gemms.push_back({"ffn_fc1", s, c.swiglu ? 2 * c.ffn() : c.ffn(), c.hidden, 1.0, tp_split::column});
  l.gemms.push_back({"ffn_fc2", s, c.hidden, c.ffn(), 1.0, tp_split::row});
  // FFN element-wise traffic: bias+GeLU (read + write s·f) or SwiGLU (read 2·s·f, write s·f),
  // bias-dropout-residual (read 2, write 1, mask).
  const double act_io = c.swiglu ? 3.0 : 2.0;
  l.mem_bound_bytes_per_sample = attention_mem_bound_bytes(c) + act_io * e * s * f + (3.0 * e + 1.0) * s * h;
  // FFN activations: FC1 input e·sh and dropout mask sh (not divided); GeLU input and FC2 input 2e·s·f, or
  // SwiGLU's gate and up outputs and FC2 input 3e·s·f (divided). With e = 2 and f = 4h the totals are
  // Korthikanti's 10·sh and 24·sh + 5·a·s².
  const auto att = attention_activations(c);
  l.activation_bytes_per_sample = att.shared + (e + 1.0) * s * h;
  l.activation_bytes_per_sample_tp_split = att.tp_divided + act_io * e * s * f;
  l.boundary_bytes_per_sample = e * s * h;
  l.tp_allreduces_fwd = 2;  // after the attention projection and after FC2 (Megatron-LM)
  l.tp_allreduce_bytes_per_sample = e * s * h;
  l.max_tp = static_cast<int>(c.kv_heads());  // Megatron-LM splits the K/V groups over the ranks
  set_attention_core(l, c);
  return l;
}

/// Token + learned position embedding. The lookup is a gather, not a GEMM: no FLOPs, its traffic is
/// memory-bound: the token and position gathers 2e·sh, then add and dropout (read 2, write 1, mask). With
/// rotary positions there is no position table: one gather e·sh, dropout alone (read 1, write 1, mask).
/// Megatron's vocab-parallel embedding all-reduces its output once when tp > 1.
[[nodiscard]] inline layer embedding_layer(const transformer_config& c) {
  const double s = as_double(c.seq_len), h = as_double(c.hidden);
  const double e = storage_bytes_per_element(c.compute_dtype);
  layer l;
  l.name = "embedding";
  l.kind = "embedding";
  l.params = as_double(c.vocab) * h + (c.rotary ? 0.0 : s * h);
  l.mem_bound_bytes_per_sample =
      c.rotary ? e * s * h + (2.0 * e + 1.0) * s * h : 2.0 * e * s * h + (3.0 * e + 1.0) * s * h;
  l.activation_bytes_per_sample = s * h;  // dropout mask
  l.boundary_bytes_per_sample = e * s * h;
  l.tp_allreduces_fwd = 1;
  l.tp_allreduce_bytes_per_sample = e * s * h;
  l.max_tp = static_cast<int>(c.kv_heads());  // Megatron-LM needs tp | heads and tp | query groups
  return l;
}

/// Final norm and the logits GEMM against the tied input embedding, or the output layer's own weight when
/// untied (vocab-parallel: column split),
/// followed by the softmax cross-entropy. Megatron's vocab-parallel cross-entropy all-reduces the per-token
/// max and sum (two fp32 vectors of s) when tp > 1.
[[nodiscard]] inline layer head_layer(const transformer_config& c) {
  const double s = as_double(c.seq_len), h = as_double(c.hidden), v = as_double(c.vocab);
  const double e = storage_bytes_per_element(c.compute_dtype);
  layer l;
  l.name = "head";
  l.kind = "head";
  l.params = norm_params(c) + (c.untied_embeddings ? v * h : 0.0);  // tied: the logits weight is the embedding's
  l.gemms.push_back({"logits", s, c.vocab, c.hidden, 1.0, tp_split::column});
  // Layernorm read + write; logits read once in fp16 and the fp32 softmax written and read once.
  l.mem_bound_bytes_per_sample = 2.0 * e * s * h + e * s * v + 2.0 * 4.0 * s * v;
  l.activation_bytes_per_sample = 2.0 * e * s * h;       // layernorm input, logits-GEMM input
  l.activation_bytes_per_sample_tp_split = 4.0 * s * v;  // fp32 softmax kept for the loss gradient
  l.boundary_bytes_per_sample = 4.0 * s;                 // per-token fp32 loss
  l.tp_allreduces_fwd = 2;
  l.tp_allreduce_bytes_per_sample = 4.0 * s;
  l.max_tp = static_cast<int>(c.kv_heads());  // Megatron-LM needs tp | heads and tp | query groups
  return l;
}

[[nodiscard]] inline model transformer_shell(const transformer_config& c, const char* family) {
  model m;
  m.name = c.name;
  m.family = family;
  m.compute_dtype = c.compute_dtype;
  m.seq_len = c.seq_len;
  m.hidden = c.hidden;
  m.heads = c.heads;
  m.vocab = c.vocab;
  m.ffn_hidden = c.ffn();
  m.num_query_groups = c.kv_heads();
  m.swiglu = c.swiglu;
  m.flash_attention = c.flash_attention;
  m.rotary = c.rotary;
  m.untied_embeddings = c.untied_embeddings;
  m.rmsnorm = c.rmsnorm;
  m.linear_bias = c.linear_bias;
  m.experts = c.experts;
  m.moe_every_layer = c.moe_every_layer;
  return m;
}

}  // namespace detail

/// A dense GPT/BERT model: embedding, `num_layers` transformer layers, head. Throws input_error (with an
/// empty file name) when the configuration is invalid; `experts` must be 0 (see build_moe_transformer).
[[nodiscard]] inline model build_dense_transformer(const transformer_config& c) {
  detail::check_transformer_config(c);
  if (c.experts != 0)
    throw input_error("", "experts", "0 for a dense transformer (use build_moe_transformer)");
  model m = detail::transformer_shell(c, "dense_transformer");
  m.layers.reserve(static_cast<std::size_t>(c.num_layers) + 2);
  m.layers.push_back(detail::embedding_layer(c));
  for (std::int64_t i = 0; i < c.num_layers; ++i) m.layers.push_back(detail::dense_transformer_layer(c, i));
  m.layers.push_back(detail::head_layer(c));
  return m;
}

}  // namespace cellsched
