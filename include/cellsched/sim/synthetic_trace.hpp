#pragma once
// A synthetic job trace from documented distributions (docs/scale.md):
//   * arrivals: a Poisson process whose rate follows the time of day,
//     lambda(t) = lambda0 (1 + a cos(2 pi (t - t_peak) / P)), drawn by thinning (Lewis & Shedler 1979)
//     from a homogeneous process of rate lambda0 (1 + a); the daily mean rate is lambda0;
//   * model, global batch, requested GPU count and requested GPU type: independent categorical draws
//     (defaults: the Philly trace's mixes, data/traces/philly.csv);
//   * size: either iterations log-normal (clamped to [min, max]), or - given an iteration-time hook - the
//     job's duration at its requested type and count log-normal, converted to iterations;
//   * deadlines (optional): a fraction of jobs get submit + log-normal slack.
// Job attributes and arrival times come from separate streams of one seed, so changing the arrival
// rate moves the jobs in time without changing what they are. Same spec and seed: the same jobs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/error.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/sim/synthetic_random.hpp"

namespace cellsched::sim {

struct weighted_name {
  std::string name;
  double weight = 1.0;
};
struct weighted_count {
  std::int64_t value = 1;
  double weight = 1.0;
};

/// The Philly trace's model mix (job counts per model in data/traces/philly.csv, 1,938 jobs).
[[nodiscard]] inline std::vector<weighted_name> philly_model_mix() {
  return {{"moe__2.4B", 454},        {"moe__1.3B", 331},        {"moe__690M", 237},        {"moe__10B", 207},
          {"bert__1.3B", 154},       {"bert__2.6B", 138},       {"bert__760M", 120},       {"wide_resnet__2B", 99},
          {"wide_resnet__1B", 55},   {"wide_resnet__4B", 46},   {"wide_resnet__500M", 39}, {"bert__6.7B", 38},
          {"wide_resnet__6.8B", 18}, {"moe__27B", 2}};
}
/// The Philly trace's global batch sizes (job counts).
[[nodiscard]] inline std::vector<weighted_count> philly_batch_mix() {
  return {{128, 351}, {256, 1264}, {512, 251}, {1024, 72}};
}
/// The Philly trace's requested GPU counts, all powers of two (job counts).
[[nodiscard]] inline std::vector<weighted_count> philly_gpu_count_mix() {
  return {{1, 100}, {2, 286}, {4, 717}, {8, 644}, {16, 191}};
}
/// Requested types weighted by each type's GPUs in a cluster (node-group order).
[[nodiscard]] inline std::vector<weighted_name> type_mix_of(const cluster& c) {
  std::vector<weighted_name> out;
  for (const auto& t : c.gpu_types_present()) out.push_back({t, static_cast<double>(c.total_gpus_of(t))});
  return out;
}

struct synthetic_trace_spec {
  std::size_t num_jobs = 100'000;
  double start_time_s = 0.0;
  // Arrivals.
  double jobs_per_hour = 1'000.0;      ///< lambda0, the daily mean arrival rate
  double diurnal_amplitude = 0.5;      ///< a in [0, 1): peak rate lambda0 (1 + a), trough lambda0 (1 - a)
  double diurnal_period_s = 86'400.0;  ///< P
  double diurnal_peak_s = 14 * 3'600.0;  ///< t_peak: the rate is highest at 14:00 of each day
  // Job attributes (empty: the Philly mixes above; requested types empty: none requested).
  std::vector<weighted_name> models;
  std::vector<weighted_count> batch_sizes;
  std::vector<weighted_count> gpu_counts;
  std::vector<weighted_name> requested_types;
  // Iterations: log-normal. The defaults fit the Philly trace's iterations as the reference simulator
  // uses them (num_iteration / 5): median 12,354, mean 24,291 -> sigma = sqrt(2 ln(mean / median)) = 1.16.
  double iterations_median = 12'000.0;
  double iterations_sigma = 1.16;
  std::int64_t iterations_min = 100;
  std::int64_t iterations_max = 3'000'000;
  // Duration mode (duration_median_s > 0, needs trace_hooks::iter_time_s): the log-normal draw is the
  // job's run time at its requested type and count, iterations = round(duration / iteration time),
  // clamped to [iterations_min, iterations_max]. Iterations alone make a T4 job run ten times longer than
  // the same job on an H100; a duration keeps the run-time distribution the same on every type.
  double duration_median_s = 0.0;
  double duration_sigma = 1.5;
  // Deadlines: this fraction of jobs gets deadline = submit + slack, slack log-normal (seconds).
  double deadline_fraction = 0.0;
  double deadline_slack_median_s = 10'000.0;  ///< the Philly trace's median deadline - submission: 10,306 s
  double deadline_slack_sigma = 1.0;
  std::string id_prefix = "syn-";
};

/// Optional veto on a drawn request (e.g. "this model cannot run on that type and count"): when it returns
/// false the type and count are drawn again, up to `request_redraws` times, after which the job is kept.
using request_filter = std::function<bool(const job&)>;

/// Where the generator consults a performance model (both optional).
struct trace_hooks {
  request_filter accept;
  /// Seconds per iteration of a job at its requested type and count (<= 0: unknown); duration mode only.
  std::function<double(const job&)> iter_time_s;
  int request_redraws = 8;
};

namespace detail {

inline void check_weights(const std::vector<double>& w, const std::string& field) {
  double sum = 0.0;
  for (double x : w) {
    if (!(x >= 0.0) || !std::isfinite(x)) throw input_error("", field, "weights >= 0 and finite");
    sum += x;
  }
  if (!(sum > 0.0)) throw input_error("", field, "at least one positive weight");
}
template <class T>
[[nodiscard]] std::vector<double> weights_of(const std::vector<T>& items, const std::string& field) {
  std::vector<double> w;
  for (const auto& i : items) w.push_back(i.weight);
  check_weights(w, field);
  return w;
}

}  // namespace detail

/// The jobs of a synthetic trace, in submission order; submission times and deadlines in whole seconds
/// (so the trace also writes as CSV). Throws input_error on an invalid spec.
[[nodiscard]] inline std::vector<job> make_synthetic_trace(const synthetic_trace_spec& spec, std::uint64_t seed,
                                                           const trace_hooks& hooks = {}) {
  const auto models = spec.models.empty() ? philly_model_mix() : spec.models;
  const auto batches = spec.batch_sizes.empty() ? philly_batch_mix() : spec.batch_sizes;
  const auto counts = spec.gpu_counts.empty() ? philly_gpu_count_mix() : spec.gpu_counts;
  const auto& types = spec.requested_types;
  const auto model_w = detail::weights_of(models, "models");
  const auto batch_w = detail::weights_of(batches, "batch_sizes");
  const auto count_w = detail::weights_of(counts, "gpu_counts");
  const std::vector<double> type_w = types.empty() ? std::vector<double>{} : detail::weights_of(types, "requested_types");
  for (const auto& b : batches)
    if (b.value < 1) throw input_error("", "batch_sizes", "batch sizes >= 1");
  for (const auto& c : counts)
    if (c.value < 1 || c.value > 1'000'000) throw input_error("", "gpu_counts", "GPU counts in [1, 1000000]");
  if (!(spec.jobs_per_hour > 0.0) || !std::isfinite(spec.jobs_per_hour))
    throw input_error("", "jobs_per_hour", "a positive arrival rate");
  if (!(spec.diurnal_amplitude >= 0.0 && spec.diurnal_amplitude < 1.0))
    throw input_error("", "diurnal_amplitude", "an amplitude in [0, 1)");
  if (!(spec.diurnal_period_s > 0.0)) throw input_error("", "diurnal_period_s", "a positive period");
  if (!(spec.start_time_s >= 0.0) || !std::isfinite(spec.start_time_s))
    throw input_error("", "start_time_s", "a start time >= 0");
  if (!(spec.iterations_median >= 1.0) || !(spec.iterations_sigma >= 0.0) || spec.iterations_min < 1 ||
      spec.iterations_max < spec.iterations_min)
    throw input_error("", "iterations", "median >= 1, sigma >= 0, 1 <= min <= max");
  const bool duration_mode = spec.duration_median_s > 0.0;
  if (duration_mode && (!hooks.iter_time_s || !(spec.duration_sigma >= 0.0) || !std::isfinite(spec.duration_median_s)))
    throw input_error("", "duration_median_s", "an iteration-time hook and sigma >= 0 for duration mode");
  if (!(spec.deadline_fraction >= 0.0 && spec.deadline_fraction <= 1.0) || !(spec.deadline_slack_median_s > 0.0) ||
      !(spec.deadline_slack_sigma >= 0.0))
    throw input_error("", "deadline", "a fraction in [0, 1], a positive median slack, sigma >= 0");

  portable_rng arrivals(seed, 1);
  portable_rng attrs(seed, 2);
  const double rate0_per_s = spec.jobs_per_hour / 3'600.0;
  const double rate_max = rate0_per_s * (1.0 + spec.diurnal_amplitude);
  constexpr double two_pi = 6.283185307179586476925286766559;
  const std::size_t width = std::to_string(spec.num_jobs == 0 ? 0 : spec.num_jobs - 1).size();

  std::vector<job> out;
  out.reserve(spec.num_jobs);
  double t = spec.start_time_s;
  for (std::size_t i = 0; i < spec.num_jobs; ++i) {
    // Thinning: candidates at rate_max, each kept with probability lambda(t) / rate_max.
    for (;;) {
      t += arrivals.exponential(rate_max);
      const double phase = two_pi * (t - spec.diurnal_peak_s) / spec.diurnal_period_s;
      const double keep = (1.0 + spec.diurnal_amplitude * std::cos(phase)) / (1.0 + spec.diurnal_amplitude);
      if (arrivals.uniform() < keep) break;
    }
    job j;
    const std::string n = std::to_string(i);
    j.id = spec.id_prefix + std::string(width - n.size(), '0') + n;
    j.submit_time_s = std::floor(t);
    j.model = models[attrs.choose(model_w)].name;
    j.global_batch = batches[attrs.choose(batch_w)].value;
    const double size = duration_mode ? attrs.lognormal(spec.duration_median_s, spec.duration_sigma)
                                      : attrs.lognormal(spec.iterations_median, spec.iterations_sigma);
    // Deadline draws happen for every job so the stream does not depend on which jobs get one.
    const bool has_deadline = attrs.uniform() < spec.deadline_fraction;
    const double slack = attrs.lognormal(spec.deadline_slack_median_s, spec.deadline_slack_sigma);
    if (has_deadline) j.deadline_s = j.submit_time_s + std::max(1.0, std::ceil(slack));
    for (int attempt = 0;; ++attempt) {
      j.requested_gpus = static_cast<int>(counts[attrs.choose(count_w)].value);
      if (!types.empty()) j.requested_gpu_type = types[attrs.choose(type_w)].name;
      if (!hooks.accept || attempt >= hooks.request_redraws || hooks.accept(j)) break;
    }
    double iters = size;
    if (duration_mode) {
      const double step_s = hooks.iter_time_s(j);
      iters = step_s > 0.0 ? size / step_s : spec.iterations_median;
    }
    j.iterations = static_cast<std::int64_t>(std::llround(std::clamp(
        iters, static_cast<double>(spec.iterations_min), static_cast<double>(spec.iterations_max))));
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace cellsched::sim
