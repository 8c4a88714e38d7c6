#pragma once
// Metrics of a run, defined as the reference simulator and its authors' comparison script define them
// (docs/reference-simulator.md §3):
// * finished jobs = JCT entries; average JCT over finished jobs only;
// * padded average JCT (set by pad_jct): a policy with fewer finished jobs than the anchor policy
//   (Crius) gets entries equal to the largest finished JCT of any policy in the comparison until it has
//   as many; the anchor keeps its plain mean;
// * queueing time: R per round end spent pending, averaged over all submitted jobs;
// * average / peak / P99 cluster throughput and GPU utilisation (allocated / total GPUs) averaged over
//   the counted rounds, chosen by `round_rule`:
//   - active (default): rounds with at least one running job after the decision — what a user's own
//     cluster and trace need (a small cluster or a big model never reaches 100 samples/s);
//   - reference: rounds with throughput > 100 samples/s, the reference plotting script's rule, used only
//     when comparing with the reference simulator's figures;
// * decision time per round: wall time of the policy's decide().
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

/// Which rounds the throughput and utilisation averages count (see the file comment).
enum class round_rule { active, reference };

[[nodiscard]] inline const char* to_string(round_rule r) noexcept {
  return r == round_rule::reference ? "reference (rounds above 100 samples/s)" : "active (rounds with a running job)";
}

struct run_metrics {
  std::string policy;
  std::size_t submitted = 0;
  std::size_t finished = 0;
  std::size_t running = 0;  ///< at the end of the run
  std::size_t pending = 0;  ///< at the end of the run
  std::size_t dropped = 0;
  double avg_jct_s = 0.0;                  ///< finished jobs only
  std::optional<double> padded_avg_jct_s;  ///< see pad_jct()
  double avg_queue_s = 0.0;                ///< all submitted jobs
  double avg_throughput = 0.0;             ///< samples/s, over the counted rounds
  double peak_throughput = 0.0;
  double p99_throughput = 0.0;
  std::size_t counted_rounds = 0;  ///< rounds the averages count (see round_rule)
  round_rule rule = round_rule::active;
  double gpu_utilisation = 0.0;    ///< 0..1, over the counted rounds
  double decision_ms_mean = 0.0;
  double decision_ms_median = 0.0;
  double decision_ms_p99 = 0.0;
  double decision_ms_max = 0.0;
  std::size_t preemptions = 0;
  std::size_t migrations = 0;
  int rounds = 0;
  double wall_s = 0.0;
};

/// numpy.percentile with linear interpolation; `values` need not be sorted. 0 for an empty list.
[[nodiscard]] inline double percentile(const std::vector<double>& values, double q) {
  if (values.empty()) return 0.0;
  std::vector<double> v;
  v.reserve(values.size());
  v.insert(v.end(), values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

[[nodiscard]] inline double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

/// The reference rule's threshold, samples/s.
inline constexpr double reference_min_round_throughput = 100.0;

[[nodiscard]] inline run_metrics compute_metrics(const sim_run& run, round_rule rule = round_rule::active) {
  run_metrics m;
  m.rule = rule;
  m.policy = run.policy;
  m.rounds = static_cast<int>(run.throughput.size());
  m.wall_s = run.wall_s;
  m.preemptions = run.preemptions;
  m.migrations = run.migrations;
  m.submitted = run.jobs.size();
  double queue_sum = 0.0;
  for (const auto& j : run.jobs) {
    queue_sum += j.queued_s;
    switch (j.state) {
      case job_state::finished:
        ++m.finished;
        break;
      case job_state::running:
        ++m.running;
        break;
      case job_state::pending:
        ++m.pending;
        break;
      case job_state::dropped:
        ++m.dropped;
        break;
    }
  }
  m.avg_queue_s = m.submitted ? queue_sum / static_cast<double>(m.submitted) : 0.0;
  m.avg_jct_s = mean(run.finished_jct_s);

  std::vector<double> counted;
  double util = 0.0;
  for (std::size_t k = 0; k < run.throughput.size(); ++k) {
    const bool counts = rule == round_rule::reference
                            ? run.throughput[k] > reference_min_round_throughput
                            : k < run.running_jobs.size() && run.running_jobs[k] > 0;
    if (!counts) continue;
    counted.push_back(run.throughput[k]);
    if (run.total_gpus > 0 && k < run.busy_gpus.size())
      util += static_cast<double>(run.busy_gpus[k]) / static_cast<double>(run.total_gpus);
  }
  m.counted_rounds = counted.size();
  m.avg_throughput = mean(counted);
  m.peak_throughput = counted.empty() ? 0.0 : *std::max_element(counted.begin(), counted.end());
  m.p99_throughput = percentile(counted, 99.0);
  m.gpu_utilisation = counted.empty() ? 0.0 : util / static_cast<double>(counted.size());

  std::vector<double> ms;
  ms.reserve(run.decision_s.size());
  for (double s : run.decision_s) ms.push_back(s * 1e3);
  m.decision_ms_mean = mean(ms);
  m.decision_ms_median = percentile(ms, 50.0);
  m.decision_ms_p99 = percentile(ms, 99.0);
  m.decision_ms_max = ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end());
  return m;
}

/// Fills padded_avg_jct_s of every run (same order as `runs`). The anchor is the run named `anchor`
/// ("crius" by default), else the run with the most finished jobs.
inline void pad_jct(std::vector<run_metrics>& metrics, const std::vector<sim_run>& runs,
                    const std::string& anchor = "crius") {
  if (metrics.empty() || metrics.size() != runs.size()) return;
  std::size_t a = 0;
  bool named = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].policy == anchor) {
      a = i;
      named = true;
      break;
    }
  }
  if (!named)
    for (std::size_t i = 1; i < runs.size(); ++i)
      if (runs[i].finished_jct_s.size() > runs[a].finished_jct_s.size()) a = i;
  double largest = 0.0;
  for (const auto& r : runs)
    for (double j : r.finished_jct_s) largest = std::max(largest, j);
  const std::size_t target = runs[a].finished_jct_s.size();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> v = runs[i].finished_jct_s;
    if (i != a)
      while (v.size() < target) v.push_back(largest);
    metrics[i].padded_avg_jct_s = mean(v);
  }
}

}  // namespace cellsched::sim
