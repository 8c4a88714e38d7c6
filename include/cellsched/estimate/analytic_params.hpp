#pragma once
// The constants of the analytic estimator. Physical ones (GEMM curve shape, link efficiencies) have
// documented defaults; the framework-overhead constants were fitted by least squares, as stated below.
#include "cellsched/estimate/compute.hpp"
#include "cellsched/estimate/memory.hpp"

namespace cellsched {

struct analytic_params {
  gemm_curve gemm;                     ///< default achieved-GEMM curve (a probe profile replaces it)
  double mem_bw_efficiency = 0.80;     ///< streaming kernels reach ~80 % of datasheet HBM bandwidth
  /// Achieved NCCL bus bandwidth over the catalog's per-GPU link figure. nccl-tests all-reduce on
  /// DGX A100 reaches ~230 GB/s busbw over NVSwitch (300 GB/s per direction): 0.77.
  double intra_link_efficiency = 0.77;
  double inter_link_efficiency = 0.85;  ///< RDMA over InfiniBand reaches ~85-90 % of line rate
  double intra_latency_s = 20e-6;       ///< NCCL ring start-up inside a node (nccl-tests, small sizes)
  double inter_latency_s = 30e-6;
  double p2p_latency_s = 20e-6;

  // Fixed per-operation costs (SPEC.md sec. 3, "fixed overheads"). An "op" is one GEMM or one group of
  // element-wise kernels of a layer in one pass (forward, recompute or one of the two backward halves).
  double cpu_per_op_s = 0.0;           ///< framework + launch time on the host, per op
  double gpu_per_op_s = 0.0;           ///< GPU-side gaps and tails that do not shrink with the work, per op
  double sync_per_peer_s = 0.0;        ///< host-side wait at a tensor-parallel collective, per extra rank
  double optimizer_bytes_per_param = 36.0;  ///< memory traffic of the fused mixed-precision Adam step
  double iteration_overhead_s = 0.0;   ///< per iteration: data loading, loss scaling, timers
  double optimizer_efficiency = 1.0;   ///< scale on the optimizer-time term
  memory_reserve reserve;
};

}  // namespace cellsched
