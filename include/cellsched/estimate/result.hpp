#pragma once
// What an estimator returns for one plan on one Cell.
#include <string>
#include <vector>

namespace cellsched {

/// Iteration time split by cause, seconds per iteration. The parts are the critical-path contributions,
/// so they add up to iter_time_s.
struct time_breakdown {
  double compute_s = 0.0;     ///< GEMM + memory-bound work of the slowest stage, all micro-batches
  double overhead_s = 0.0;    ///< fixed per-operation costs (launches, framework time, sync)
  double tp_comm_s = 0.0;     ///< tensor-parallel collectives on the critical path
  double dp_comm_s = 0.0;     ///< gradient synchronisation (all-reduce, or reduce-scatter + all-gather)
  double pp_comm_s = 0.0;     ///< point-to-point activations/gradients between stages
  double bubble_s = 0.0;      ///< pipeline fill and drain
  double optimizer_s = 0.0;   ///< optimizer step
};

struct stage_estimate {
  double fwd_s = 0.0;            ///< forward time of one micro-batch, including TP communication
  double bwd_s = 0.0;            ///< backward (+ recompute) time of one micro-batch
  double p2p_s = 0.0;            ///< send of one micro-batch's boundary activation to the next stage
  double dp_sync_s = 0.0;        ///< gradient synchronisation of the stage
  double peak_mem_bytes = 0.0;   ///< per GPU
  double weights_bytes = 0.0;
  double grads_bytes = 0.0;
  double optimizer_bytes = 0.0;
  double activation_bytes = 0.0;
  bool fits = true;
};

struct estimate_result {
  double iter_time_s = 0.0;
  time_breakdown breakdown;
  std::vector<stage_estimate> stages;
  bool fits = true;                 ///< every stage fits in its GPU's memory
  std::string calibration;          ///< "analytic" or "analytic+probe:<profile source>"
  std::string infeasible_reason;    ///< empty unless the plan cannot run at all

  [[nodiscard]] bool feasible() const noexcept { return fits && infeasible_reason.empty(); }
  [[nodiscard]] double throughput_samples_per_s(double global_batch) const noexcept {
    return iter_time_s > 0 ? global_batch / iter_time_s : 0.0;
  }
};

}  // namespace cellsched
