#pragma once
// Compute time of the work on one GPU: GEMMs by FLOPs over the throughput achieved for their shape,
// memory-bound work (norms, softmax, element-wise) by bytes over achieved memory bandwidth.
#include <algorithm>
#include <cstdint>

#include "cellsched/model/model.hpp"

namespace cellsched {

/// Achieved-GEMM efficiency as a function of shape (m x k times k x n). A GEMM reaches
/// `max_efficiency` of peak only when every dimension is large; each short dimension adds a fixed cost
/// relative to the work: tiles that are partly empty along m and n (cuBLAS tiles are 64-256 wide, and
/// the last wave of thread blocks under-fills the SMs), and the pipeline prologue/epilogue along k.
/// Written as the inverse efficiency, which is what a least-squares fit of measured times can recover
/// linearly (calibration.hpp):
///     peak_time / achieved_time = max_efficiency / (1 + m_half/m + n_half/n + k_half/k)
/// and a GEMM is never faster than moving its operands once (roofline: bytes / memory bandwidth).
struct gemm_curve {
  double max_efficiency = 0.88;  ///< cuBLAS reaches 270-280 of 312 TFLOP/s on large fp16 GEMMs (A100)
  double m_half = 128.0;         ///< one tile row: a 128-row GEMM runs at about half efficiency
  double n_half = 128.0;
  double k_half = 64.0;  ///< a few k-steps of the software pipeline
};

/// One GEMM as the GPU runs it: per-GPU dimensions after the tensor-parallel split and micro-batching.
struct gemm_dims {
  double m = 0.0;
  double n = 0.0;
  double k = 0.0;
  double count = 1.0;  ///< independent GEMMs of this shape (batched), e.g. attention heads x samples

  [[nodiscard]] double flops() const noexcept { return 2.0 * m * n * k * count; }
  /// Operands read once and the result written once.
  [[nodiscard]] double bytes(double element_bytes) const noexcept {
    return element_bytes * (m * k + k * n + m * n) * count;
  }
};

/// Inverse efficiency of a shape under `c` (>= 1 / max_efficiency).
[[nodiscard]] inline double gemm_inverse_efficiency(const gemm_dims& g, const gemm_curve& c) noexcept {
  const auto part = [](double half, double dim) { return dim > 0.0 ? half / dim : 0.0; };
  return (1.0 + part(c.m_half, g.m) + part(c.n_half, g.n) + part(c.k_half, g.k)) / c.max_efficiency;
}

/// Time of one (batched) GEMM: the larger of the shape-dependent compute time and the time to move its
/// operands at `mem_bw_gb_per_s` (already the achieved bandwidth).
[[nodiscard]] inline double gemm_time_s(const gemm_dims& g, double peak_tflops, double mem_bw_gb_per_s,
                                        double element_bytes, const gemm_curve& c) noexcept {
  if (g.m <= 0.0 || g.n <= 0.0 || g.k <= 0.0 || g.count <= 0.0 || peak_tflops <= 0.0) return 0.0;
  const double compute_s = g.flops() / (peak_tflops * 1e12) * gemm_inverse_efficiency(g, c);
  const double memory_s = mem_bw_gb_per_s > 0.0 ? g.bytes(element_bytes) / (mem_bw_gb_per_s * 1e9) : 0.0;
  return std::max(compute_s, memory_s);
}

/// The per-GPU dimensions of a model GEMM for `samples` samples per replica on `tp` tensor-parallel
/// ranks. Megatron-LM splits column-parallel GEMMs along n and row-parallel ones along k (Shoeybi et al.
/// 2019, sec. 3); a GEMM without a split runs whole on every rank. A batch of independent GEMMs
/// (count > 1, e.g. one per attention head) is split by its members instead: each rank runs count/tp
/// whole GEMMs. Samples of a micro-batch stack along m, except for batched GEMMs whose m is per member
/// (attention over one sequence): there the samples multiply the batch.
[[nodiscard]] inline gemm_dims forward_dims(const gemm_shape& s, double samples, int tp) noexcept {
  const double t = static_cast<double>(std::max(tp, 1));
  if (s.count > 1.0) {
    gemm_dims d{s.rows_per_sample, static_cast<double>(s.n), static_cast<double>(s.k), s.count * samples};
    if (s.split != tp_split::none) d.count /= t;
    return d;
  }
  gemm_dims d{s.rows_per_sample * samples, static_cast<double>(s.n), static_cast<double>(s.k), s.count};
  if (s.split == tp_split::column) d.n /= t;
  if (s.split == tp_split::row) d.k /= t;
  return d;
}

/// Backward of Y = X W (X: m x k, W: k x n): dX = dY W^T (m x n times n x k) and dW = X^T dY
/// (k x m times m x n). Same FLOPs each as the forward, different shapes (the weight gradient reduces
/// over the long token dimension).
[[nodiscard]] inline gemm_dims input_grad_dims(const gemm_dims& f) noexcept { return {f.m, f.k, f.n, f.count}; }
[[nodiscard]] inline gemm_dims weight_grad_dims(const gemm_dims& f) noexcept { return {f.k, f.n, f.m, f.count}; }

/// Achieved memory bandwidth for streaming element-wise kernels.
[[nodiscard]] inline double memory_bound_time_s(double bytes, double achieved_mem_bw_gb_per_s) noexcept {
  return achieved_mem_bw_gb_per_s > 0.0 && bytes > 0.0 ? bytes / (achieved_mem_bw_gb_per_s * 1e9) : 0.0;
}

/// Share of a layer's memory-bound traffic that tensor parallelism divides. The layer list records the
/// split for activations only (Korthikanti et al. 2022, eq. 2); the element-wise kernels touch the same
/// tensors the activations are, so the same proportion applies to their traffic.
[[nodiscard]] inline double tp_divided_fraction(const layer& l) noexcept {
  const double total = l.activation_bytes_per_sample + l.activation_bytes_per_sample_tp_split;
  return total > 0.0 ? l.activation_bytes_per_sample_tp_split / total : 0.0;
}

/// Forward memory-bound bytes of a layer per replica micro-batch of `samples` on `tp` ranks.
[[nodiscard]] inline double memory_bound_bytes(const layer& l, double samples, int tp) noexcept {
  const double f = tp_divided_fraction(l);
  const double t = static_cast<double>(std::max(tp, 1));
  return l.mem_bound_bytes_per_sample * samples * ((1.0 - f) + f / t);
}

/// Work of one layer for one micro-batch on one GPU, split by kind.
struct layer_work {
  double gemm_fwd_s = 0.0;   ///< forward GEMMs
  double gemm_bwd_s = 0.0;   ///< input-gradient + weight-gradient GEMMs
  double mem_fwd_s = 0.0;    ///< forward memory-bound kernels
  double mem_bwd_s = 0.0;    ///< backward memory-bound kernels
  double other_fwd_s = 0.0;  ///< FLOPs outside GEMMs at the curve's large-shape efficiency
  /// The weight-gradient GEMMs of the column-parallel (unbatched) GEMMs, part of gemm_bwd_s: what an
  /// asynchronous tensor-parallel all-reduce of their input gradients can hide under.
  double column_weight_grad_s = 0.0;
};

/// Backward element-wise kernels read the saved input and the incoming gradient and write the outgoing
/// gradient where the forward read one tensor and wrote one: layernorm, GeLU and dropout backward move
/// about 1.5x their forward bytes, softmax backward 1.5x (reads output and gradient, writes gradient).
inline constexpr double memory_bound_backward_factor = 1.5;

/// `core_peak_tflops` (0: `peak_tflops`) is the rate of the attention core's batched GEMMs
/// (is_attention_core): in fp8 training only the linear layers run in fp8 (Transformer Engine's recipe),
/// the attention core stays in 16 bits.
[[nodiscard]] inline layer_work compute_layer_work(const layer& l, double samples, int tp, double peak_tflops,
                                                   double achieved_mem_bw_gb_per_s, double element_bytes,
                                                   const gemm_curve& curve, double core_peak_tflops = 0.0) {
  layer_work w;
  for (const auto& s : l.gemms) {
    const gemm_dims f = forward_dims(s, samples, tp);
    const double peak = core_peak_tflops > 0.0 && is_attention_core(s) ? core_peak_tflops : peak_tflops;
    w.gemm_fwd_s += gemm_time_s(f, peak, achieved_mem_bw_gb_per_s, element_bytes, curve);
    w.gemm_bwd_s += gemm_time_s(input_grad_dims(f), peak, achieved_mem_bw_gb_per_s, element_bytes, curve);
    const double weight_grad = gemm_time_s(weight_grad_dims(f), peak, achieved_mem_bw_gb_per_s, element_bytes, curve);
    w.gemm_bwd_s += weight_grad;
    if (s.split == tp_split::column && s.count <= 1.0) w.column_weight_grad_s += weight_grad;
  }
  w.mem_fwd_s = memory_bound_time_s(memory_bound_bytes(l, samples, tp), achieved_mem_bw_gb_per_s);
  w.mem_bwd_s = memory_bound_backward_factor * w.mem_fwd_s;
  if (peak_tflops > 0.0)
    w.other_fwd_s = l.other_fwd_flops_per_sample * samples / static_cast<double>(std::max(tp, 1)) /
                    (peak_tflops * 1e12 * curve.max_efficiency);
  return w;
}

}  // namespace cellsched
