#pragma once
// The constants of the analytic estimator. Physical ones (GEMM curve, bandwidth and link efficiencies)
// have documented defaults; seven constants were fitted by least squares, as stated below.
#include <algorithm>

#include "cellsched/estimate/compute.hpp"
#include "cellsched/estimate/memory.hpp"
#include "cellsched/estimate/software_stack.hpp"

namespace cellsched {

/// Where the defaults come from:
///  * Physical, fixed (not fitted): the GEMM curve (compute.hpp), streaming-bandwidth and link
///    efficiencies, latencies, optimizer traffic.
///  * Fitted: seven constants marked [fit] — `sustained_compute_fraction` and six of the default software
///    stack's (estimate/software_stack.hpp, megatron_lm_stack: host and device time per op, device sync per
///    doubling, host-device overlap, per-iteration cost, the unfused softmax's extra ops; its host sync per
///    doubling, 7.95 us, is from the previous fit, which the data cannot separate from the unfused
///    softmax). They were fitted together by
///    least squares on the squared relative error of the even-indexed data rows (file lines 2, 4, 6, ...)
///    of every table in data/measurements/ at once — the vTrain single-node set (Megatron-LM on 8 x A100,
///    720 rows fitted) and the three published multi-node Megatron-LM tables (SC'21 Table 1, the 2020
///    README, Korthikanti 2022 Table 5; 4-5 rows fitted each) — each table weighted alike (errors times
///    1/sqrt(fitted rows of the table)), every other constant at the value below; the odd rows of every
///    table are held out. Reproduce with `estimator_accuracy --refit` (bench/), which prints the fit and
///    the held-out errors per table. They describe PyTorch/Megatron-LM on A100 hosts.
struct analytic_params {
  gemm_curve gemm;  ///< default achieved-GEMM curve (a probe profile replaces it)
  /// [fit] Share of the GEMM throughput of short benchmarks (the curve above, a probe profile's sweep)
  /// that a GPU keeps through a training run: dense tensor-core work for minutes holds the board at its
  /// power limit and the clock below its boost figure, and kernels of other streams (NCCL) share the
  /// SMs. Multiplies the curve's max_efficiency, measured or default.
  double sustained_compute_fraction = 0.8956;
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

  /// The framework's fixed per-operation costs and what it overlaps (estimate/software_stack.hpp); the
  /// default stack's fitted constants are the [fit] ones.
  software_stack software = megatron_lm_stack();
  /// Memory traffic of the mixed-precision Adam step per local parameter: fp16 gradient to fp32 (2 + 4),
  /// unscale/inf check (4), Adam (read 16, write 12), fp32 weight back to fp16 (4 + 2) = 44; minus the
  /// reads fused kernels share: ~36.
  double optimizer_bytes_per_param = 36.0;
  double optimizer_efficiency = 1.0;  ///< scale on the optimizer-time term
  /// Gradient bucket of the overlapped data-parallel reduction, in parameters: Megatron-LM's default,
  /// max(40M, 1M x dp) (megatron/core/distributed/distributed_data_parallel.py, GitHub
  /// NVIDIA/Megatron-LM); see grad_bucket_params(). Not fitted.
  double grad_bucket_params = 40e6;
  memory_reserve reserve;
};

/// Megatron-LM's bucket size for a data-parallel group of `dp` ranks: max(base, 1M x dp) parameters.
[[nodiscard]] inline double grad_bucket_params(double base, int dp) noexcept {
  return std::max(base, 1e6 * static_cast<double>(dp));
}

}  // namespace cellsched
