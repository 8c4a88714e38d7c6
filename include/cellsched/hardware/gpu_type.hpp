#pragma once
// A GPU type: peak dense throughput per dtype, memory, and the links a node of that type offers.
#include <string>
#include <string_view>
#include <vector>

namespace cellsched {

enum class dtype { fp32, tf32, fp16, bf16, fp8 };

[[nodiscard]] constexpr std::string_view to_string(dtype d) noexcept {
  switch (d) {
    case dtype::fp32: return "fp32";
    case dtype::tf32: return "tf32";
    case dtype::fp16: return "fp16";
    case dtype::bf16: return "bf16";
    case dtype::fp8: return "fp8";
  }
  return "fp32";
}

/// Bytes per element of a dtype as stored (tf32 is stored as fp32).
[[nodiscard]] constexpr double bytes_per_element(dtype d) noexcept {
  switch (d) {
    case dtype::fp32:
    case dtype::tf32: return 4.0;
    case dtype::fp16:
    case dtype::bf16: return 2.0;
    case dtype::fp8: return 1.0;
  }
  return 4.0;
}

/// Bytes per element of what a training step keeps and moves outside the GEMMs' inputs: activations,
/// weights, gradients, communicated tensors. FP8 training (NVIDIA Transformer Engine; Micikevicius et al.
/// 2022, "FP8 Formats for Deep Learning", arXiv:2209.05433) casts the inputs of each GEMM to fp8 and runs
/// it at the fp8 rate, but keeps those tensors in bf16; every other dtype stores what it computes in.
[[nodiscard]] constexpr double storage_bytes_per_element(dtype d) noexcept {
  return d == dtype::fp8 ? 2.0 : bytes_per_element(d);
}

struct gpu_type {
  std::string name;                  ///< canonical lower-case name, e.g. "a100-40gb"
  std::vector<std::string> aliases;  ///< other names that resolve to it (case-insensitive)
  // Peak dense (no sparsity) tensor throughput. 0 means the dtype is not supported.
  double peak_fp32_tflops = 0.0;  ///< non-tensor fp32 (CUDA cores)
  double peak_tf32_tflops = 0.0;
  double peak_fp16_tflops = 0.0;
  double peak_bf16_tflops = 0.0;
  double peak_fp8_tflops = 0.0;
  double mem_gb = 0.0;               ///< device memory, GB (1e9 bytes)
  double mem_bw_gb_per_s = 0.0;      ///< device memory bandwidth, GB/s
  std::string intra_link;            ///< "nvlink", "nvswitch", "pcie4", ...
  double intra_link_gb_per_s = 0.0;  ///< per-GPU unidirectional bandwidth to its node peers, GB/s
  double inter_node_gb_per_s = 0.0;  ///< network bandwidth per node, GB/s (default for clusters)
  int gpus_per_node = 1;             ///< typical GPUs per node
  /// NIC rails that share inter_node_gb_per_s equally: DGX nodes give every GPU its own (8), a PCIe server
  /// typically has one NIC for all its GPUs (1). estimate/comm.hpp explains how groups use them.
  int nics_per_node = 1;
  // Power (docs/energy-cost.md). 0 means "not known": energy figures then cannot be computed for the type.
  double tdp_w = 0.0;              ///< board power at the default (highest) power limit, W (datasheet)
  /// Board power of an idle GPU, W. Datasheets do not publish it; 0 takes the energy model's stated share
  /// of tdp_w (hardware/power.hpp), a cluster or catalog file may give a measured figure.
  double idle_w = 0.0;
  /// Lowest power limit the board accepts, W; 0 = not published (the power-cap model then accepts any
  /// limit above idle power). The highest is tdp_w.
  double min_power_limit_w = 0.0;

  /// Peak dense TFLOP/s for a dtype; falls back along fp8 -> fp16 -> fp32 where a dtype is absent.
  [[nodiscard]] double peak_tflops(dtype d) const noexcept {
    switch (d) {
      case dtype::fp8: return peak_fp8_tflops > 0 ? peak_fp8_tflops : peak_tflops(dtype::fp16);
      case dtype::fp16: return peak_fp16_tflops > 0 ? peak_fp16_tflops : peak_fp32_tflops;
      case dtype::bf16: return peak_bf16_tflops > 0 ? peak_bf16_tflops : peak_tflops(dtype::fp16);
      case dtype::tf32: return peak_tf32_tflops > 0 ? peak_tf32_tflops : peak_fp32_tflops;
      case dtype::fp32: return peak_fp32_tflops;
    }
    return peak_fp32_tflops;
  }
  [[nodiscard]] double mem_bytes() const noexcept { return mem_gb * 1e9; }

  /// Field-by-field equality (names, aliases in order, every figure).
  friend bool operator==(const gpu_type&, const gpu_type&) = default;
};

}  // namespace cellsched
