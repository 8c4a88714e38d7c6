#pragma once
// The software a training job runs on, as the estimator sees it: the fixed per-operation costs of the
// framework and its host (Python, autograd, kernel launches, synchronisation) and what the framework
// overlaps. These are properties of the software stack, not of the GPU type: the same A100 runs eager
// PyTorch with host-bound small layers and a compiled graph without them. A named stack is a documented
// set of these constants (docs/estimator.md, "software stacks").
#include <string>
#include <string_view>
#include <vector>

namespace cellsched {

struct software_stack {
  std::string name;
  std::string description;
  // Fixed per-operation costs. An "op" is one GEMM or one group of element-wise kernels of a layer in one
  // pass (forward, recompute, or either backward half); a transformer layer has 7 per pass.
  double cpu_per_op_s = 0.0;  ///< host time (Python, autograd, launches) per op
  double gpu_per_op_s = 0.0;  ///< device time per op that does not shrink with the work
  /// Waiting at a tensor-parallel collective for the slowest rank, per doubling of the group (log2 of the
  /// ranks: the expected maximum of the ranks' arrival jitter grows about that way). Host side while the
  /// host is the bottleneck, device side while the GPU is.
  double host_sync_s = 0.0;
  double device_sync_s = 0.0;
  /// Fraction of the shorter of host time and device time hidden under the longer one: 1 = the host
  /// runs ahead freely (time = max), 0 = they serialise (time = sum).
  double host_device_overlap = 1.0;
  double iteration_overhead_s = 0.0;  ///< per iteration: data loading, loss scaling, timers
  /// Megatron-LM's asynchronous tensor-parallel all-reduce (apex/Megatron-LM, from late 2021; with
  /// sequence parallelism the reduce-scatter): the all-reduce of a column-parallel layer's input gradient
  /// runs while the layer's weight-gradient GEMM computes, so only what is longer than that GEMM is
  /// exposed. Without it (earlier releases, plain PyTorch tensor parallelism) the backward all-reduces
  /// run in line.
  bool async_tp_backward = true;
  /// Megatron-LM's fused scale-mask-softmax kernel for materialised attention scores (no flash
  /// attention): used only where its shape conditions hold (megatron_fused_softmax_available); elsewhere
  /// Megatron falls back to PyTorch operators (cast to fp32, scale, mask, softmax, cast back), which move
  /// more bytes (unfused_softmax_extra_fwd_bytes, _bwd_bytes) and cost `unfused_softmax_ops` more ops per pass.
  bool megatron_fused_softmax = true;
  double unfused_softmax_ops = 0.0;
};

/// Whether Megatron-LM runs its fused causal softmax kernel on scores of `batches` = micro-batch x
/// attention heads per rank, of sq x sk, in a 16-bit type: the conditions of
/// FusedScaleMaskSoftmax.is_kernel_available (megatron/model/fused_softmax.py, GitHub NVIDIA/Megatron-LM,
/// 2021-2023): 16 < sk <= 4096, sq and sk multiples of 4, batches a multiple of 4 and of the kernel's
/// batches per 128-thread block (4 for sk above 128, 8 up to 128: warps of min(next power of two, 32)
/// threads, two rows per warp up to 128 columns).
[[nodiscard]] inline bool megatron_fused_softmax_available(long long batches, long long sq, long long sk) noexcept {
  if (!(sk > 16 && sk <= 4096 && sq % 4 == 0 && sk % 4 == 0 && batches % 4 == 0)) return false;
  long long pow2 = 1;
  while (pow2 < sk) pow2 *= 2;
  const long long warp = pow2 < 32 ? pow2 : 32;
  const long long per_block = (128 / warp) * (pow2 <= 128 ? 2 : 1);
  return batches % per_block == 0;
}

/// Bytes per score element that Megatron-LM's unfused softmax moves beyond the fused kernel (which
/// reads and writes each 16-bit score once forward, reads two and writes one backward), counted from
/// its PyTorch fallback with the softmax in fp32: forward cast (2 + 4), scale (4 + 4), mask (4 + 1 + 4),
/// softmax (4 + 4), cast back (4 + 2) = 37 against 4; backward their conjugates (2 + 4, 4 + 4 + 4,
/// 4 + 1 + 4, 4 + 4, 4 + 2) = 41 against 6.
inline constexpr double unfused_softmax_extra_fwd_bytes = 33.0;
inline constexpr double unfused_softmax_extra_bwd_bytes = 35.0;

/// Megatron-LM on PyTorch as of 2022-2024 (eager mode, apex/TE fused kernels, asynchronous TP backward
/// all-reduce): the default. Its constants are fitted, see analytic_params.hpp for how and on what.
[[nodiscard]] inline software_stack megatron_lm_stack() {
  software_stack s;
  s.name = "megatron-lm";
  s.description =
      "Megatron-LM on PyTorch, 2022 or later: eager mode, fused kernels, asynchronous tensor-parallel "
      "backward all-reduce (constants fitted on A100 hosts)";
  s.cpu_per_op_s = 113.0e-6;
  s.gpu_per_op_s = 10.2e-6;
  s.host_sync_s = 7.95e-6;
  s.device_sync_s = 42.1e-6;
  s.host_device_overlap = 0.873;
  s.iteration_overhead_s = 3.52e-3;
  s.async_tp_backward = true;
  s.unfused_softmax_ops = 2.92;
  return s;
}

/// Megatron-LM before the asynchronous tensor-parallel all-reduce (its 2020 and early-2021 releases,
/// e.g. the runs of its September 2020 README and of Narayanan et al. SC'21): the backward all-reduces
/// run in line. No measurements of that era separate its host costs from the GPUs', so the per-op
/// constants are megatron-lm's.
[[nodiscard]] inline software_stack megatron_lm_2021_stack() {
  software_stack s = megatron_lm_stack();
  s.name = "megatron-lm-2021";
  s.description =
      "Megatron-LM 2020 to mid-2021: as megatron-lm, but the tensor-parallel backward all-reduces run "
      "in line (no asynchronous all-reduce yet)";
  s.async_tp_backward = false;
  return s;
}

/// Every named stack, the default first.
[[nodiscard]] inline const std::vector<software_stack>& builtin_software_stacks() {
  static const std::vector<software_stack> stacks = {megatron_lm_stack(), megatron_lm_2021_stack()};
  return stacks;
}

/// The named stack, or nullptr.
[[nodiscard]] inline const software_stack* find_software_stack(std::string_view name) {
  for (const auto& s : builtin_software_stacks())
    if (s.name == name) return &s;
  return nullptr;
}

/// "megatron-lm|megatron-lm-2021": for error messages and usage text.
[[nodiscard]] inline std::string software_stack_names() {
  std::string out;
  for (const auto& s : builtin_software_stacks()) {
    if (!out.empty()) out += '|';
    out += s.name;
  }
  return out;
}

}  // namespace cellsched
