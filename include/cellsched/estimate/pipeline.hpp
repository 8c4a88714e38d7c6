#pragma once
// Iteration time of a pipeline from per-stage, per-micro-batch times: the 1F1B and GPipe formulas.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cellsched/cell/cell.hpp"

namespace cellsched {

/// Times of one micro-batch on one stage (every part on the stage's critical path: compute,
/// tensor-parallel communication, fixed overheads).
struct stage_time {
  double fwd_s = 0.0;
  double bwd_s = 0.0;  ///< including recomputation of the forward when it is on
};

struct pipeline_time {
  double total_s = 0.0;            ///< first forward to last backward
  std::size_t critical_stage = 0;  ///< the stage with the largest fwd + bwd
  double busy_s = 0.0;             ///< m x (fwd + bwd) of the critical stage
  double p2p_s = 0.0;              ///< point-to-point transfers on the critical path
  double bubble_s = 0.0;           ///< total - busy - p2p: fill and drain
};

/// Pipeline formulas for S stages and m micro-batches, `p2p_s[b]` the one-way transfer of one
/// micro-batch's boundary tensor across boundary b (S - 1 entries). With uniform stages (fwd F, bwd B) and
/// free transfers both give the well-known (m + S - 1)(F + B) (Huang et al. 2019, GPipe; Narayanan et al.
/// 2021, sec. 2.2). With unequal stages:
///  * 1F1B: after the fill, every stage alternates one forward and one backward, so the steady state runs
///    at the pace of the slowest stage's F + B:  sum_s (F_s + B_s) + (m - 1) max_s (F_s + B_s).
///  * GPipe: all forwards, then all backwards, each phase paced by its own slowest stage:
///    sum_s F_s + (m - 1) max_s F_s + sum_s B_s + (m - 1) max_s B_s  (>= the 1F1B figure).
/// Transfers are blocking in Megatron-LM's schedules: a micro-batch's activation crosses every boundary
/// forward and its gradient backward during fill/drain, and each steady step waits for one of each.
[[nodiscard]] inline pipeline_time pipeline_iteration_time(const std::vector<stage_time>& stages,
                                                           const std::vector<double>& p2p_s,
                                                           std::int64_t num_micro_batches, pipeline_schedule schedule) {
  pipeline_time out;
  if (stages.empty() || num_micro_batches <= 0) return out;
  const double m1 = static_cast<double>(num_micro_batches - 1);
  double sum_f = 0.0, sum_b = 0.0, max_f = 0.0, max_b = 0.0, max_fb = -1.0;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    sum_f += stages[s].fwd_s;
    sum_b += stages[s].bwd_s;
    max_f = std::max(max_f, stages[s].fwd_s);
    max_b = std::max(max_b, stages[s].bwd_s);
    if (stages[s].fwd_s + stages[s].bwd_s > max_fb) {
      max_fb = stages[s].fwd_s + stages[s].bwd_s;
      out.critical_stage = s;
    }
  }
  double sum_q = 0.0, max_q = 0.0;
  for (const double q : p2p_s) {
    sum_q += q;
    max_q = std::max(max_q, q);
  }
  out.p2p_s = 2.0 * sum_q + m1 * 2.0 * max_q;
  const double compute =
      schedule == pipeline_schedule::gpipe ? sum_f + sum_b + m1 * (max_f + max_b) : sum_f + sum_b + m1 * max_fb;
  out.total_s = compute + out.p2p_s;
  out.busy_s = static_cast<double>(num_micro_batches) * max_fb;
  out.bubble_s = std::max(0.0, out.total_s - out.busy_s - out.p2p_s);
  return out;
}

}  // namespace cellsched
