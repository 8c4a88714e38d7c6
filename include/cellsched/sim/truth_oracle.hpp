#pragma once
// What jobs "really" run at in a closed-loop simulation, separate from what the policy believes
// (docs/closed-loop.md). `truth_oracle<Inner>` answers from an inner oracle (the reference table, our
// estimator) with two documented perturbations:
// * noise: a multiplicative error per job and GPU type, exp(sigma * z) with z ~ N(0, 1) drawn from
//   (seed, job id, GPU type) alone — the same job on the same type always runs at the same speed, as a
//   real job whose speed the model misjudges does;
// * drift: from a given round on, every iteration on a GPU type takes `factor` times as long (a type
//   that throttles, a driver update). The simulator tells the oracle the round (at_round()).
// One instance per simulated run (it keeps the current round).
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/sim/fault_injection.hpp"
#include "cellsched/sim/synthetic_random.hpp"

namespace cellsched::sim {

struct truth_drift {
  std::string gpu_type;  ///< canonical name
  double factor = 1.0;   ///< iteration time multiplier, > 0
  int from_round = 0;
};

struct truth_options {
  std::uint64_t noise_seed = 0;
  double noise_sigma = 0.0;  ///< 0: no noise
  std::vector<truth_drift> drifts;
};

template <perf_oracle Inner>
class truth_oracle {
 public:
  /// `inner` must outlive this object.
  truth_oracle(const Inner& inner, truth_options o) : inner_(&inner), opts_(std::move(o)) {}

  void at_round(int k) noexcept { round_ = k; }

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    perf_answer a = inner_->query(j, gpu_type, layout);
    if (!a.feasible || !(a.iter_time_s > 0)) return a;
    const double f = factor(j, gpu_type);
    if (f == 1.0) return a;
    a.iter_time_s *= f;
    a.samples_per_s = a.samples_per_s > 0 ? a.samples_per_s / f : 0.0;
    return a;
  }

  /// The multiplier applied to `j` on `gpu_type` in the current round.
  [[nodiscard]] double factor(const job& j, const std::string& gpu_type) const {
    double f = 1.0;
    if (opts_.noise_sigma > 0) {
      portable_rng rng(opts_.noise_seed, fault_detail::fnv1a(j.id) ^ splitmix64(fault_detail::fnv1a(gpu_type)));
      f *= std::exp(opts_.noise_sigma * rng.normal());
    }
    for (const auto& d : opts_.drifts)
      if (d.gpu_type == gpu_type && round_ >= d.from_round) f *= d.factor;
    return f;
  }

 private:
  const Inner* inner_;
  truth_options opts_;
  int round_ = 0;
};

}  // namespace cellsched::sim
