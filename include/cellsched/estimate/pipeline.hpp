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
///
/// Interleaved 1F1B (`virtual_stages` v > 1 model chunks per GPU, 1F1B only; Narayanan et al. SC'21
/// sec. 2.2): the fill and drain shrink by v, (m + (S - 1)/v)(F + B) for equal stages; with unequal
/// stages sum_s (F_s + B_s) / v + (m - 1/v) max_s (F_s + B_s) (v = 1 gives the 1F1B figure). Every
/// micro-batch crosses v times as many boundaries, so the transfers on the critical path grow v-fold.
[[nodiscard]] inline pipeline_time pipeline_iteration_time(const std::vector<stage_time>& stages,
                                                           const std::vector<double>& p2p_s,
                                                           std::int64_t num_micro_batches, pipeline_schedule schedule,
                                                           int virtual_stages = 1) {
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
  const double v = schedule == pipeline_schedule::one_f_one_b ? static_cast<double>(std::max(virtual_stages, 1)) : 1.0;
  out.p2p_s = v * (2.0 * sum_q + m1 * 2.0 * max_q);
  const double compute = schedule == pipeline_schedule::gpipe
                             ? sum_f + sum_b + m1 * (max_f + max_b)
                             : (sum_f + sum_b) / v + (static_cast<double>(num_micro_batches) - 1.0 / v) * max_fb;
  out.total_s = compute + out.p2p_s;
  out.busy_s = static_cast<double>(num_micro_batches) * max_fb;
  out.bubble_s = std::max(0.0, out.total_s - out.busy_s - out.p2p_s);
  return out;
}

/// The data-parallel gradient synchronisation left on the critical path after the pipeline: `sync_s[s]`
/// is stage s's whole reduction, `last_bucket_s[s]` that of its last gradient bucket. In 1F1B the drain
/// runs stage s's last backward before those of stages s-1, ..., 0, so stage s finishes
/// slack_s = sum_{j<s} B_j / v before the pipeline does and its reduction may use that time.
///  * Not overlapped (Megatron-LM's `--DDP-impl local`, its default until 2023): the reduction starts
///    when the stage's last backward ends: exposed = max_s (sync_s - slack_s).
///  * Overlapped (bucketed: PyTorch DDP, Li et al. 2020, "PyTorch Distributed: Experiences on
///    Accelerating Data Parallel Training", VLDB; Megatron-LM `--overlap-grad-reduce`): gradients are
///    accumulated over the micro-batches, so buckets are reduced while the *last* micro-batch's
///    backward produces them; that backward (B_s) hides the reduction except the last bucket, which is
///    ready only when the backward ends, and both end slack_s early:
///    exposed = max_s (max(last_bucket_s, sync_s - B_s) - slack_s).
/// Never below 0.
[[nodiscard]] inline double exposed_gradient_sync(const std::vector<double>& sync_s,
                                                  const std::vector<double>& last_bucket_s,
                                                  const std::vector<stage_time>& stages, bool overlapped,
                                                  int virtual_stages = 1) {
  const double v = static_cast<double>(std::max(virtual_stages, 1));
  double exposed = 0.0, slack = 0.0;
  for (std::size_t s = 0; s < sync_s.size(); ++s) {
    const double bwd = s < stages.size() ? stages[s].bwd_s : 0.0;
    double e = sync_s[s] - slack;
    if (overlapped) {
      const double last = s < last_bucket_s.size() ? last_bucket_s[s] : 0.0;
      e = std::max(std::min(last, sync_s[s]), sync_s[s] - bwd) - slack;
    }
    exposed = std::max(exposed, e);
    slack += bwd / v;
  }
  return std::max(exposed, 0.0);
}

}  // namespace cellsched
