#pragma once
// Shadow mode (docs/closed-loop.md): the host policy decides and its decisions are applied; every shadow
// policy decides on the same snapshot each round and is only compared with it (schedule/
// decision_compare.hpp): agreement, the predicted cluster throughput of both, the starts, moves and
// preemptions the shadow would have made, its decision time, and any decision that could not have been
// applied. The host's run is exactly the run it would have alone (tests/sim/shadow_pilot_test.cpp).
#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/schedule/decision_compare.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/sim/any_policy.hpp"
#include "cellsched/sim/metrics.hpp"
#include "cellsched/sim/simulator.hpp"

namespace cellsched::sim {

/// One round of one shadow policy.
struct shadow_round {
  int round = 0;
  std::size_t jobs = 0;   ///< jobs in the snapshot
  std::size_t agree = 0;  ///< of them, given the same GPU type and count (or none) by both
  double host_samples_per_s = 0.0;    ///< predicted cluster throughput after the host's decision
  double shadow_samples_per_s = 0.0;  ///< ... after the shadow's
  std::size_t starts = 0, moves = 0, preemptions = 0;
  double decision_s = 0.0;
  std::string problem;  ///< why its decision could not have been applied (conflicts, or what it threw)
};

/// A shadow policy's rounds and totals.
struct shadow_summary {
  std::string policy;
  std::vector<shadow_round> rounds;
  [[nodiscard]] double agreement() const {
    std::size_t j = 0, a = 0;
    for (const auto& r : rounds) {
      j += r.jobs;
      a += r.agree;
    }
    return j ? static_cast<double>(a) / static_cast<double>(j) : 1.0;
  }
  [[nodiscard]] double host_samples_per_s() const { return mean(&shadow_round::host_samples_per_s); }
  [[nodiscard]] double shadow_samples_per_s() const { return mean(&shadow_round::shadow_samples_per_s); }
  /// (shadow - host) / host over the rounds' predicted throughput; 0 when the host's is 0.
  [[nodiscard]] double predicted_gain() const {
    const double h = host_samples_per_s();
    return h > 0 ? (shadow_samples_per_s() - h) / h : 0.0;
  }
  [[nodiscard]] std::size_t total(std::size_t shadow_round::*f) const {
    std::size_t t = 0;
    for (const auto& r : rounds) t += r.*f;
    return t;
  }
  [[nodiscard]] std::size_t problem_rounds() const {
    return static_cast<std::size_t>(std::count_if(rounds.begin(), rounds.end(), [](const shadow_round& r) { return !r.problem.empty(); }));
  }
  /// The q-quantile (0..1) of the decision times, interpolated as the run's own decision times are
  /// (sim/metrics.hpp, percentile).
  [[nodiscard]] double decision_quantile(double q) const {
    std::vector<double> t;
    for (const auto& r : rounds) t.push_back(r.decision_s);
    return percentile(t, 100.0 * q);
  }

 private:
  [[nodiscard]] double mean(double shadow_round::*f) const {
    double s = 0.0;
    for (const auto& r : rounds) s += r.*f;
    return rounds.empty() ? 0.0 : s / static_cast<double>(rounds.size());
  }
};

/// A policy that returns the host's decision and records every shadow's beside it. Each shadow sees the
/// host's snapshot with its own re-tuning costs. A shadow that throws is recorded, not propagated.
template <class Oracle>
class shadow_policy {
 public:
  struct shadow {
    any_policy<Oracle> policy;
    cost_options costs;
  };
  shadow_policy(any_policy<Oracle> host, std::vector<shadow> shadows)
      : host_(std::move(host)), shadows_(std::move(shadows)) {
    for (const auto& s : shadows_) summaries_.push_back({s.policy.name(), {}});
  }

  [[nodiscard]] std::string name() const { return host_.name(); }

  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    decision hd = host_.decide(s);
    host_decision_s_.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    for (std::size_t i = 0; i < shadows_.size(); ++i) {
      snapshot<Oracle> own = s;
      own.costs = shadows_[i].costs;
      shadow_round r;
      r.round = round_;
      r.jobs = s.jobs.size();
      t0 = clock::now();
      try {
        const decision d = shadows_[i].policy.decide(own);
        r.decision_s = std::chrono::duration<double>(clock::now() - t0).count();
        const decision_comparison c = compare_decisions(s, hd, d);
        r.agree = c.agree;
        r.host_samples_per_s = c.first_samples_per_s;
        r.shadow_samples_per_s = c.second_samples_per_s;
        r.starts = c.starts;
        r.moves = c.moves;
        r.preemptions = c.preemptions;
        for (const auto& e : c.conflicts) r.problem.append(r.problem.empty() ? "" : "; ").append(e);
      } catch (const std::exception& e) {
        r.decision_s = std::chrono::duration<double>(clock::now() - t0).count();
        r.problem = std::string("it threw: ") + e.what();
      }
      summaries_[i].rounds.push_back(std::move(r));
    }
    ++round_;
    return hd;
  }

  [[nodiscard]] nlohmann::json save_state() const {
    nlohmann::json shadows = nlohmann::json::array();
    for (const auto& s : shadows_) shadows.push_back(s.policy.save_state());
    return {{"policy", "shadow:" + name()}, {"host", host_.save_state()}, {"shadows", shadows}};
  }
  void load_state(const nlohmann::json& j, const cluster& c) {
    policy_state_detail::expect_policy(j, "shadow:" + name());
    host_.load_state(policy_state_detail::get<nlohmann::json>(j, "host", name()), c);
    const auto shadows = policy_state_detail::get<nlohmann::json>(j, "shadows", name());
    if (!shadows.is_array() || shadows.size() != shadows_.size())
      throw policy_state_error(name() + " state: 'shadows' must list one state per shadow policy");
    for (std::size_t i = 0; i < shadows_.size(); ++i) shadows_[i].policy.load_state(shadows[i], c);
  }

  [[nodiscard]] const std::vector<shadow_summary>& summaries() const noexcept { return summaries_; }
  [[nodiscard]] const std::vector<double>& host_decision_s() const noexcept { return host_decision_s_; }

 private:
  any_policy<Oracle> host_;
  std::vector<shadow> shadows_;
  std::vector<shadow_summary> summaries_;
  std::vector<double> host_decision_s_;
  int round_ = 0;
};

/// A shadow run: the host's run (its decision times are the host's alone) and each shadow's record.
struct shadow_run {
  sim_run host;
  std::vector<shadow_summary> shadows;
};

template <class Oracle>
[[nodiscard]] shadow_run simulate_shadow(const cluster& topology, std::vector<job> trace, const Oracle& oracle,
                                         any_policy<Oracle> host, const cost_options& host_costs,
                                         std::vector<typename shadow_policy<Oracle>::shadow> shadows,
                                         const sim_options& opts = {}) {
  shadow_policy<Oracle> pol(std::move(host), std::move(shadows));
  shadow_run out;
  out.host = simulate(topology, std::move(trace), oracle, pol, host_costs, opts);
  out.host.decision_s = pol.host_decision_s();
  out.shadows = pol.summaries();
  return out;
}

/// The shadow comparison as a table, one line per shadow policy.
[[nodiscard]] inline std::string format_shadow(const std::string& host, const std::vector<shadow_summary>& shadows) {
  std::string out;
  char line[320];
  std::snprintf(line, sizeof line, "  %-15s %9s %12s %12s %8s %8s %8s %8s %8s %10s %10s\n", "policy", "agreement",
                "host thr", "shadow thr", "gain", "starts", "moves", "preempts", "invalid", "p50 ms", "p99 ms");
  out += line;
  for (const auto& s : shadows) {
    std::snprintf(line, sizeof line, "  %-15s %8.1f%% %12.1f %12.1f %+7.1f%% %8zu %8zu %8zu %8zu %10.3f %10.3f\n",
                  s.policy.c_str(), 100.0 * s.agreement(), s.host_samples_per_s(), s.shadow_samples_per_s(),
                  100.0 * s.predicted_gain(), s.total(&shadow_round::starts), s.total(&shadow_round::moves),
                  s.total(&shadow_round::preemptions), s.problem_rounds(), 1e3 * s.decision_quantile(0.5),
                  1e3 * s.decision_quantile(0.99));
    out += line;
  }
  out += "  (beside host policy " + host +
         ": agreement = jobs given the same GPU type and count; thr = predicted samples/s per round, mean; "
         "gain = shadow vs host; starts/moves/preempts = what the shadow would have done, summed over rounds; "
         "invalid = rounds whose shadow decision could not have been applied)\n";
  for (const auto& s : shadows)
    for (const auto& r : s.rounds)
      if (!r.problem.empty()) {
        out += "  " + s.policy + ", round " + std::to_string(r.round) + ": " + r.problem + "\n";
        break;
      }
  return out;
}

/// The comparison as JSON: totals and every round.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json shadow_json(const std::string& host, const std::vector<shadow_summary>& shadows) {
  Json list = Json::array();
  for (const auto& s : shadows) {
    Json rounds = Json::array();
    for (const auto& r : s.rounds)
      rounds.push_back({{"round", r.round},
                        {"jobs", r.jobs},
                        {"agree", r.agree},
                        {"host_samples_per_s", r.host_samples_per_s},
                        {"shadow_samples_per_s", r.shadow_samples_per_s},
                        {"starts", r.starts},
                        {"moves", r.moves},
                        {"preemptions", r.preemptions},
                        {"decision_s", r.decision_s},
                        {"problem", r.problem}});
    list.push_back({{"policy", s.policy},
                    {"agreement", s.agreement()},
                    {"host_samples_per_s", s.host_samples_per_s()},
                    {"shadow_samples_per_s", s.shadow_samples_per_s()},
                    {"predicted_gain", s.predicted_gain()},
                    {"starts", s.total(&shadow_round::starts)},
                    {"moves", s.total(&shadow_round::moves)},
                    {"preemptions", s.total(&shadow_round::preemptions)},
                    {"invalid_rounds", s.problem_rounds()},
                    {"decision_s_p50", s.decision_quantile(0.5)},
                    {"decision_s_p99", s.decision_quantile(0.99)},
                    {"rounds", std::move(rounds)}});
  }
  return {{"host", host}, {"policies", std::move(list)}};
}

}  // namespace cellsched::sim
