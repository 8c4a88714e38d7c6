// Synthetic trace generator: portable sampling, determinism, the documented distributions on large
// samples, duration mode and request filters, and that generated traces load through the strict loaders.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/error.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/synthetic_random.hpp>
#include <cellsched/sim/synthetic_trace.hpp>

using namespace cellsched;
using namespace cellsched::sim;

namespace {

std::string label(const weighted_name& w) { return w.name; }
std::string label(const weighted_count& w) { return std::to_string(w.value); }

std::vector<double> iterations_of(const std::vector<job>& jobs) {
  std::vector<double> v;
  for (const auto& j : jobs) v.push_back(static_cast<double>(j.iterations));
  return v;
}

}  // namespace

TEST_CASE("portable_rng: SplitMix64 known answer, uniform/exponential/normal moments") {
  // SplitMix64's first output from state 0 (Steele et al.; the reference implementation's test value).
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
  portable_rng a(7, 3), b(7, 3), c(7, 4);
  CHECK(a.next_u64() == b.next_u64());
  CHECK(a.next_u64() != c.next_u64());

  portable_rng r(42);
  constexpr int n = 200'000;
  double su = 0, se = 0, sn = 0, sn2 = 0;
  double umin = 1, umax = 0;
  std::vector<double> logn;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    umin = std::min(umin, u);
    umax = std::max(umax, u);
    su += u;
    se += r.exponential(4.0);
    const double z = r.normal();
    sn += z;
    sn2 += z * z;
    logn.push_back(r.lognormal(100.0, 0.5));
  }
  CHECK(umin >= 0.0);
  CHECK(umax < 1.0);
  CHECK(su / n == Approx(0.5).margin(0.003));
  CHECK(se / n == Approx(0.25).epsilon(0.01));
  CHECK(sn / n == Approx(0.0).margin(0.01));
  CHECK(sn2 / n == Approx(1.0).epsilon(0.01));
  CHECK(percentile(logn, 50) == Approx(100.0).epsilon(0.01));
  CHECK(sim::mean(logn) == Approx(100.0 * std::exp(0.125)).epsilon(0.01));

  const std::vector<double> w = {1, 0, 3};
  std::vector<int> hits(3, 0);
  for (int i = 0; i < n; ++i) ++hits[r.choose(w)];
  CHECK(hits[1] == 0);
  CHECK(static_cast<double>(hits[2]) / n == Approx(0.75).margin(0.005));
  CHECK_THROWS_AS(r.choose({0.0, 0.0}), std::invalid_argument);
}

TEST_CASE("synthetic trace: same seed gives the same bytes, another seed other jobs") {
  synthetic_trace_spec spec;
  spec.num_jobs = 2'000;
  spec.requested_types = {{"a100-40gb", 1}, {"t4", 1}};
  spec.deadline_fraction = 0.3;
  const std::string once = io::trace_to_json(make_synthetic_trace(spec, 11)).dump();
  CHECK(io::trace_to_json(make_synthetic_trace(spec, 11)).dump() == once);
  CHECK(io::trace_to_json(make_synthetic_trace(spec, 12)).dump() != once);
  // Pinned job: a change of sampling (or a platform whose libm differs) shows here.
  const job pinned = make_synthetic_trace(spec, 11)[5];
  INFO(io::to_json(pinned).dump());
  CHECK(io::to_json(pinned).dump() ==
        R"({"deadline_s":6656.0,"global_batch":256,"id":"syn-0005","iterations":3407,"model":"bert__2.6B",)"
        R"("requested_gpu_type":"t4","requested_gpus":16,"submit_time_s":21.0})");

  // The arrival rate moves jobs in time but does not change them.
  synthetic_trace_spec faster = spec;
  faster.jobs_per_hour = 4 * spec.jobs_per_hour;
  const auto slow_jobs = make_synthetic_trace(spec, 11), fast_jobs = make_synthetic_trace(faster, 11);
  for (std::size_t i = 0; i < slow_jobs.size(); ++i) {
    CHECK(slow_jobs[i].model == fast_jobs[i].model);
    CHECK(slow_jobs[i].iterations == fast_jobs[i].iterations);
    CHECK(slow_jobs[i].requested_gpus == fast_jobs[i].requested_gpus);
  }
  CHECK(fast_jobs.back().submit_time_s < slow_jobs.back().submit_time_s / 2);
}

TEST_CASE("synthetic trace: documented distributions on a large sample") {
  synthetic_trace_spec spec;
  spec.num_jobs = 40'000;
  spec.jobs_per_hour = 500;
  spec.diurnal_amplitude = 0.6;
  spec.deadline_fraction = 0.25;
  const auto jobs = make_synthetic_trace(spec, 3);
  REQUIRE(jobs.size() == spec.num_jobs);

  // Categorical mixes within 1.5 points of their weights.
  const auto check_mix = [&](const auto& mix, auto key) {
    double total = 0;
    for (const auto& m : mix) total += m.weight;
    for (const auto& m : mix) {
      const auto n = std::count_if(jobs.begin(), jobs.end(), [&](const job& j) { return key(j) == label(m); });
      INFO("value with weight " << m.weight);
      CHECK(static_cast<double>(n) / static_cast<double>(jobs.size()) == Approx(m.weight / total).margin(0.015));
    }
  };
  check_mix(philly_model_mix(), [](const job& j) { return j.model; });
  check_mix(philly_gpu_count_mix(), [](const job& j) { return std::to_string(j.requested_gpus); });
  check_mix(philly_batch_mix(), [](const job& j) { return std::to_string(j.global_batch); });

  // Iterations: log-normal, median 12,000, mean median * exp(sigma^2 / 2) (clamping barely matters).
  const auto it = iterations_of(jobs);
  CHECK(percentile(it, 50) == Approx(12'000).epsilon(0.03));
  CHECK(sim::mean(it) == Approx(12'000 * std::exp(1.16 * 1.16 / 2)).epsilon(0.05));
  CHECK(*std::min_element(it.begin(), it.end()) >= 100);

  // Arrivals: sorted, whole seconds, mean rate over whole days = jobs_per_hour.
  CHECK(std::is_sorted(jobs.begin(), jobs.end(), [](const job& a, const job& b) { return a.submit_time_s < b.submit_time_s; }));
  const double days = std::floor(jobs.back().submit_time_s / 86'400);
  REQUIRE(days >= 2);
  const auto in_days = std::count_if(jobs.begin(), jobs.end(), [&](const job& j) { return j.submit_time_s < days * 86'400; });
  CHECK(static_cast<double>(in_days) / (days * 24) == Approx(500).epsilon(0.03));
  // Diurnal shape: the two hours around 14:00 (peak) against the two around 02:00 (trough): (1 + a) / (1 - a) = 4,
  // averaged over the window (cos within +-1 h of the peak averages 0.989).
  int peak = 0, trough = 0;
  for (const auto& j : jobs) {
    if (j.submit_time_s >= days * 86'400) break;  // whole days only
    const double h = std::fmod(j.submit_time_s, 86'400) / 3'600;
    peak += h >= 13 && h < 15;
    trough += h >= 1 && h < 3;
  }
  CHECK(static_cast<double>(peak) / trough == Approx((1 + 0.6 * 0.989) / (1 - 0.6 * 0.989)).epsilon(0.1));

  // Deadlines: the given fraction, after submission, median slack 10,000 s (ceil to seconds).
  std::vector<double> slack;
  for (const auto& j : jobs) {
    CHECK(j.submit_time_s == std::floor(j.submit_time_s));
    if (j.deadline_s) slack.push_back(*j.deadline_s - j.submit_time_s);
  }
  CHECK(static_cast<double>(slack.size()) / static_cast<double>(jobs.size()) == Approx(0.25).margin(0.01));
  CHECK(*std::min_element(slack.begin(), slack.end()) >= 1);
  CHECK(percentile(slack, 50) == Approx(10'000).epsilon(0.05));
  CHECK_FALSE(jobs.front().requested_gpu_type.has_value());  // no request types given
}

TEST_CASE("synthetic trace: duration mode and request filters use the hooks") {
  synthetic_trace_spec spec;
  spec.num_jobs = 20'000;
  spec.requested_types = {{"h100-sxm", 1}, {"t4", 1}};
  spec.duration_median_s = 7'200;
  spec.duration_sigma = 1.0;
  CHECK_THROWS_AS(make_synthetic_trace(spec, 1), input_error);  // duration mode needs an iteration time

  trace_hooks hooks;
  // A T4 iteration takes 4 s, an H100 one 0.5 s; no request for 16 GPUs on a T4 is accepted.
  hooks.iter_time_s = [](const job& j) { return *j.requested_gpu_type == "t4" ? 4.0 : 0.5; };
  hooks.accept = [](const job& j) { return !(*j.requested_gpu_type == "t4" && j.requested_gpus == 16); };
  hooks.request_redraws = 100;
  const auto jobs = make_synthetic_trace(spec, 5, hooks);
  std::vector<double> duration_s;
  for (const auto& j : jobs) {
    const double step = *j.requested_gpu_type == "t4" ? 4.0 : 0.5;
    duration_s.push_back(static_cast<double>(j.iterations) * step);
    CHECK_FALSE((*j.requested_gpu_type == "t4" && j.requested_gpus == 16));
  }
  CHECK(percentile(duration_s, 50) == Approx(7'200).epsilon(0.03));
  // Same run time distribution on both types: their median durations agree.
  std::vector<double> t4, h100;
  for (std::size_t i = 0; i < jobs.size(); ++i) (*jobs[i].requested_gpu_type == "t4" ? t4 : h100).push_back(duration_s[i]);
  CHECK(percentile(t4, 50) == Approx(percentile(h100, 50)).epsilon(0.06));
}

TEST_CASE("synthetic trace: every default model resolves; files load through the strict loaders") {
  for (const auto& m : philly_model_mix()) CHECK(builtin_model_zoo().contains(m.name));
  synthetic_trace_spec spec;
  spec.num_jobs = 500;
  spec.requested_types = {{"h100-sxm", 2}, {"l40s", 1}, {"v100-32gb", 1}};
  spec.deadline_fraction = 0.5;
  const auto jobs = make_synthetic_trace(spec, 9);
  const auto dir = std::filesystem::temp_directory_path() / ("cellsched_synthetic_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  io::save_trace_file(jobs, (dir / "t.json").string());
  io::write_trace_csv(jobs, (dir / "t.csv").string());
  const auto from_json = io::load_trace_file((dir / "t.json").string());
  const auto from_csv = io::load_trace_file((dir / "t.csv").string());
  std::filesystem::remove_all(dir);
  CHECK(io::trace_to_json(from_json).dump() == io::trace_to_json(jobs).dump());
  CHECK(io::trace_to_json(from_csv).dump() == io::trace_to_json(jobs).dump());
}

TEST_CASE("synthetic trace: invalid specifications are refused with the field named") {
  synthetic_trace_spec spec;
  spec.num_jobs = 10;
  const auto field_of = [&](synthetic_trace_spec s) {
    try {
      (void)make_synthetic_trace(s, 1);
    } catch (const input_error& e) {
      return e.field();
    }
    return std::string("no error");
  };
  CHECK(field_of(spec) == "no error");
  auto s = spec;
  s.jobs_per_hour = 0;
  CHECK(field_of(s) == "jobs_per_hour");
  s = spec;
  s.diurnal_amplitude = 1.0;
  CHECK(field_of(s) == "diurnal_amplitude");
  s = spec;
  s.models = {{"bert__1.3B", 0}};
  CHECK(field_of(s) == "models");
  s = spec;
  s.gpu_counts = {{0, 1}};
  CHECK(field_of(s) == "gpu_counts");
  s = spec;
  s.iterations_min = 10;
  s.iterations_max = 5;
  CHECK(field_of(s) == "iterations");
}
