#pragma once
// The constants of the analytic estimator. Physical ones (GEMM curve, bandwidth and link efficiencies)
// have documented defaults; six framework-overhead constants were fitted by least squares, as stated below.
#include <algorithm>

#include "cellsched/estimate/compute.hpp"
#include "cellsched/estimate/memory.hpp"

namespace cellsched {

/// Where the defaults come from:
///  * Physical, fixed (not fitted): the GEMM curve (compute.hpp), streaming-bandwidth and link
///    efficiencies, latencies, optimizer traffic, the share of backward all-reduces Megatron-LM hides.
///  * Fitted: the six framework-overhead constants marked [fit]. They were fitted together by least squares
///    on the squared relative error of the 720 data rows with an even 0-based index (file lines 2, 4, 6,
///    ...) of data/measurements/vtrain-a100-single-node.csv (Megatron-LM on 8 x A100), every other constant
///    at the value below; the 720 odd rows are held out.
///    Reproduce with `estimator_accuracy --refit` (bench/), which prints the fit and the held-out error.
///    They describe PyTorch/Megatron-LM on A100 hosts; other frameworks and hosts differ.
struct analytic_params {
  gemm_curve gemm;  ///< default achieved-GEMM curve (a probe profile replaces it)
  /// Streaming kernels reach ~80 % of datasheet HBM bandwidth (A100 80 GB: ~1.6 of 2.04 TB/s in
  /// copy/triad benchmarks).
  double mem_bw_efficiency = 0.80;
  /// Achieved NCCL bus bandwidth over the catalog's per-GPU link figure. nccl-tests all-reduce on
  /// DGX A100 reaches ~230 GB/s busbw over NVSwitch (300 GB/s per direction): 0.77.
  double intra_link_efficiency = 0.77;
  double inter_link_efficiency = 0.85;  ///< RDMA over InfiniBand reaches ~85-90 % of line rate
  double intra_latency_s = 20e-6;       ///< NCCL ring start-up inside a node (nccl-tests, small sizes)
  double inter_latency_s = 30e-6;
  double p2p_latency_s = 20e-6;

  // Fixed per-operation costs (docs/estimator.md, "fixed overheads"). An "op" is one GEMM or one group of
  // element-wise kernels of a layer in one pass (forward, recompute, or either backward half); a
  // transformer layer has 7 per pass.
  double cpu_per_op_s = 118.1e-6;  ///< [fit] host time (Python, autograd, launches) per op
  double gpu_per_op_s = 33.1e-6;   ///< [fit] device time per op that does not shrink with the work
  /// Waiting at a tensor-parallel collective for the slowest rank, per doubling of the group (log2 of the
  /// ranks: the expected maximum of the ranks' arrival jitter grows about that way). Host side while the
  /// host is the bottleneck, device side while the GPU is.
  double host_sync_s = 14.1e-6;    ///< [fit]
  double device_sync_s = 27.2e-6;  ///< [fit]
  /// Share of the backward tensor-parallel all-reduces hidden under the weight-gradient GEMMs
  /// (Megatron-LM's asynchronous all-reduce in column-parallel layers, on by default since 2022).
  double tp_backward_hidden = 1.0;
  /// Fraction of the shorter of host time and device time hidden under the longer one: 1 = the host
  /// runs ahead freely (time = max), 0 = they serialise (time = sum). Synchronisation points inside a
  /// pass (collectives, loss-scale checks) keep it below 1.
  double host_device_overlap = 0.959;  ///< [fit]
  /// Memory traffic of the mixed-precision Adam step per local parameter: fp16 gradient to fp32 (2 + 4),
  /// unscale/inf check (4), Adam (read 16, write 12), fp32 weight back to fp16 (4 + 2) = 44; minus the
  /// reads fused kernels share: ~36.
  double optimizer_bytes_per_param = 36.0;
  double optimizer_efficiency = 1.0;      ///< scale on the optimizer-time term
  /// Gradient bucket of the overlapped data-parallel reduction, in parameters: Megatron-LM's default,
  /// max(40M, 1M x dp) (megatron/core/distributed/distributed_data_parallel.py, GitHub
  /// NVIDIA/Megatron-LM); see grad_bucket_params(). Not fitted.
  double grad_bucket_params = 40e6;
  double iteration_overhead_s = 2.58e-3;  ///< [fit] per iteration: data loading, loss scaling, timers
  memory_reserve reserve;
};

/// Megatron-LM's bucket size for a data-parallel group of `dp` ranks: max(base, 1M x dp) parameters.
[[nodiscard]] inline double grad_bucket_params(double base, int dp) noexcept {
  return std::max(base, 1e6 * static_cast<double>(dp));
}

}  // namespace cellsched
