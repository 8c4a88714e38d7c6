#pragma once
// Energy and cost of one iteration from the phases the estimator models (docs/energy-cost.md):
// * compute, per-operation overhead and the optimizer step run at the GPU's power limit (its board
//   power, tdp_w, unless a lower limit is set); communication on the critical path (tensor-, data- and
//   pipeline-parallel) and the pipeline bubble run at idle power - a two-level model, so it brackets the
//   truth (NCCL kernels keep some SMs busy, so communication draws more than idle in fact);
// * under a power limit, compute time stretches by 1 / compute_clock_share (hardware/power.hpp), the
//   other phases keep their time;
// * every GPU of the allocation draws the same power (the slowest stage sets the critical path; a
//   faster stage's slack is counted at the same power, an upper bound);
// * cost: USD per GPU-hour x GPUs x iteration time (the GPUs are paid while held).
#include <string>

#include "cellsched/estimate/result.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/hardware/power.hpp"

namespace cellsched {

/// Seconds of an iteration at compute power: compute, overhead, optimizer step.
[[nodiscard]] inline double active_s(const time_breakdown& b) noexcept {
  return b.compute_s + b.overhead_s + b.optimizer_s;
}
/// Seconds of an iteration at idle power: communication on the critical path and the pipeline bubble.
[[nodiscard]] inline double waiting_s(const time_breakdown& b) noexcept {
  return b.tp_comm_s + b.dp_comm_s + b.pp_comm_s + b.bubble_s;
}
/// Share of the iteration at compute power (1 for an empty breakdown: nothing known, assume the most).
[[nodiscard]] inline double compute_share(const time_breakdown& b) noexcept {
  const double total = active_s(b) + waiting_s(b);
  return total > 0.0 ? active_s(b) / total : 1.0;
}

/// The breakdown under a power limit (W; 0 or >= tdp_w: unchanged): compute time stretches by the clock
/// share the limit leaves. The limit must be accepted by power_limit_problem().
[[nodiscard]] inline time_breakdown under_power_limit(const time_breakdown& b, const gpu_type& t, double limit_w) {
  time_breakdown out = b;
  if (limit_w > 0.0 && limit_w < t.tdp_w) out.compute_s = b.compute_s / compute_clock_share(t, limit_w);
  return out;
}

struct iteration_energy {
  double iter_time_s = 0.0;      ///< under the power limit
  double active_s = 0.0;         ///< at compute power
  double waiting_s = 0.0;        ///< at idle power
  double gpu_power_w = 0.0;      ///< mean board power of one GPU over the iteration
  double energy_j = 0.0;         ///< all GPUs of the allocation
  double cost_usd = 0.0;         ///< all GPUs; 0 when no price was given
  double samples_per_j = 0.0;    ///< global batch / energy_j
  double samples_per_usd = 0.0;  ///< global batch / cost_usd; 0 when no price was given
};

/// Energy (and cost, with a price) of one iteration of `global_batch` samples on `gpus` GPUs of type `t`
/// whose time splits as `b` at full power; `limit_w` is the GPUs' power limit (0: tdp_w). The type needs
/// tdp_w (has_power()).
[[nodiscard]] inline iteration_energy energy_per_iteration(const gpu_type& t, int gpus, const time_breakdown& b,
                                                           double global_batch, double limit_w = 0.0,
                                                           double usd_per_gpu_hour = 0.0) {
  const time_breakdown capped = under_power_limit(b, t, limit_w);
  iteration_energy e;
  e.active_s = active_s(capped);
  e.waiting_s = waiting_s(capped);
  e.iter_time_s = e.active_s + e.waiting_s;
  const double active_w = limit_w > 0.0 && limit_w < t.tdp_w ? limit_w : t.tdp_w;
  const double per_gpu_j = active_w * e.active_s + idle_power_w(t) * e.waiting_s;
  e.gpu_power_w = e.iter_time_s > 0.0 ? per_gpu_j / e.iter_time_s : 0.0;
  e.energy_j = per_gpu_j * gpus;
  e.cost_usd = usd_per_gpu_hour * gpus * e.iter_time_s / 3600.0;
  e.samples_per_j = e.energy_j > 0.0 ? global_batch / e.energy_j : 0.0;
  e.samples_per_usd = e.cost_usd > 0.0 ? global_batch / e.cost_usd : 0.0;
  return e;
}

}  // namespace cellsched
