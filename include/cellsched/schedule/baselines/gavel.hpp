#pragma once
// Gavel baseline (Narayanan et al., OSDI 2020) with its max-sum-throughput policy, as the reference
// artifact runs it (sjtu-epcc/arena, baselines/gavel_sched.py, after Gavel's
// scheduler/policies/max_sum_throughput.py):
// * each job keeps its requested GPU count; Gavel chooses its GPU type;
// * on every admission (a new job, or a waiting job retried when GPUs free up) an integer program over
//   all running jobs plus the candidate assigns one GPU type per job to maximise the summed throughput,
//   subject to each type's GPU count and to at most 3 running jobs changing type (artifact
//   MAX_MGRT_JOB_NUM); solved with COIN-OR CBC (the artifact used CPLEX through cvxpy);
// * the jobs whose type changed, then the candidate, are re-placed at best locality, else relaxed
//   locality; if one cannot be placed (fragmentation) the admission fails and nothing moves;
// * as the artifact's code does (gavel_options::record_drift), the program's answer becomes each running
//   job's type on record before placement, and stays on record when placement fails although nothing
//   moved; later programs count moves from, and keep jobs on, the recorded type. A type where a job
//   cannot run is valued -big (the artifact's -1e9) rather than left out, so a candidate whose DP memory
//   fits nowhere is "admitted", moves others on record, then fails placement: on Philly 313 jobs;
// * new jobs are tried on arrival regardless of waiting ones (Gavel has no FIFO rule); when GPUs free
//   up, waiting jobs are retried in order and a failure blocks later jobs of the same requested type;
// * a new job that cannot run on any GPU type at its count is dropped.
// Data rule: throughputs and placements use data-parallel feasibility (the DP out-of-memory rule), the
// drop test uses best-plan feasibility (artifact: decide with DP data, force_opt only for the drop test).
// The program's values are what the artifact's data-parallel lookup returns (gavel_options::
// reference_dp_values): for a model size missing from the table that lookup reads the next larger size's
// entry without the 1.8x-per-step factor its best-plan lookup applies (393 of the 1,938 Philly jobs).
// Without COIN-OR CBC the policy is unavailable: available() is false and decide() starts nothing.
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "cellsched/detail/milp.hpp"
#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/schedule/baselines/common.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched {

struct gavel_options {
  int max_type_changes = 3;  ///< running jobs that may change GPU type per admission
  /// Value each (job, type) by the reference's data-parallel lookup (perf_answer::dp_samples_per_s: the
  /// table entry without the model-size factor), as the artifact's Gavel does; false: by best-plan
  /// throughput.
  bool reference_dp_values = true;
  /// Keep the artifact's record of each running job's type (see the header comment): the program's
  /// answer is recorded before placement and kept when placement fails; false: the actual placement.
  bool record_drift = true;
};

class gavel_policy {
 public:
  explicit gavel_policy(gavel_options opts = {}) : opts_(opts) {}

  [[nodiscard]] std::string name() const { return "gavel"; }

  /// Restart hooks (schedule/policy_state.hpp): the recorded types are all Gavel keeps between calls.
  template <std::same_as<nlohmann::json> Json = nlohmann::json>  // a template: see policy_state.hpp
  [[nodiscard]] Json save_state() const {
    return {{"policy", name()}, {"recorded_types", recorded_}};
  }
  template <std::same_as<nlohmann::json> Json>
  void load_state(const Json& j, const cluster&) {
    policy_state_detail::expect_policy(j, name());
    recorded_ = policy_state_detail::get<std::map<std::string, std::string>>(j, "recorded_types", name());
  }
  [[nodiscard]] static cost_options default_costs() noexcept { return baselines::baseline_costs(); }
  [[nodiscard]] static constexpr bool available() noexcept { return detail::milp_solver_available(); }
  [[nodiscard]] static const char* unavailable_reason() noexcept { return "unavailable (built without COIN-OR CBC)"; }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    static_assert(perf_oracle<Oracle>);
    baselines::cluster_view v(s);
    if (!available()) return v.to_decision();
    baselines::perf_cache<Oracle> perf(*s.oracle);
    const baselines::round_events ev = baselines::classify(s);
    std::vector<dropped_job> dropped;
    forget_gone(v);
    auto attempt = [&](int j) {
      return admit(s, v, perf, j) ? baselines::try_result::started : baselines::try_result::no_room;
    };
    if (ev.resources_freed) (void)baselines::retry_waiting(s, ev.pending, true, attempt);
    for (int j : ev.arrivals) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (jb.requested_gpus <= 0) {
        dropped.push_back({jb.id, "Gavel needs a requested GPU count"});
        continue;
      }
      bool runs_somewhere = false;
      for (const auto& t : v.types_up()) {
        const node_layout l = baselines::best_layout(jb.requested_gpus, baselines::node_capacity(*s.topology, t));
        runs_somewhere = runs_somewhere || (!l.empty() && baselines::usable(perf.query(jb, t, l), false));
      }
      if (!runs_somewhere) {
        dropped.push_back({jb.id, "cannot run on " + std::to_string(jb.requested_gpus) + " GPUs of any type"});
        continue;
      }
      (void)attempt(j);
    }
    decision d = v.to_decision();
    d.dropped = std::move(dropped);
    return d;
  }

 private:
  void forget_gone(const baselines::cluster_view& v) {
    std::map<std::string, std::string> keep;
    for (int j = 0; j < v.num_jobs(); ++j)
      if (const auto it = recorded_.find(v.job_id(j)); it != recorded_.end() && v.holds(j)) keep.insert(*it);
    recorded_ = std::move(keep);
  }
  // The type the artifact has on record for running job `j` (its actual type unless the record drifted).
  [[nodiscard]] std::string recorded_type(const baselines::cluster_view& v, int j) const {
    if (!opts_.record_drift) return v.type_of(j);
    const auto it = recorded_.find(v.job_id(j));
    return it == recorded_.end() ? v.type_of(j) : it->second;
  }

  // The artifact's _gavel_admission_control + _gavel_resource_allocation for candidate `cand`.
  template <class Oracle>
  bool admit(const snapshot<Oracle>& s, baselines::cluster_view& v, baselines::perf_cache<Oracle>& perf, int cand) {
    const job& cj = *s.jobs[static_cast<std::size_t>(cand)].spec;
    if (cj.requested_gpus <= 0) return false;
    std::vector<int> jobs = baselines::running_jobs(v);
    const std::size_t num_running = jobs.size();
    jobs.push_back(cand);
    const std::vector<std::string> types = v.types_up();

    detail::milp m;
    m.maximize();
    // x[i][t] = job i on type t; -1 where the job cannot run there.
    std::vector<std::vector<int>> x(jobs.size(), std::vector<int>(types.size(), -1));
    std::vector<std::vector<detail::milp_term>> per_type(types.size());
    std::vector<detail::milp_term> keep;
    // Values: throughput per (job, type); a type where the job cannot run is left out, or with
    // record_drift valued -big as the artifact's -1e9 (big exceeds any sum of throughputs, so it is only
    // chosen when nothing else is feasible: the candidate is then "admitted" and fails placement).
    std::vector<std::vector<double>> value(jobs.size(), std::vector<double>(types.size(), 0.0));
    double big = 1.0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const job& jb = *s.jobs[static_cast<std::size_t>(jobs[i])].spec;
      const int n = i < num_running ? v.num_gpus_of(jobs[i]) : jb.requested_gpus;
      double best_value = 0.0;
      for (std::size_t t = 0; t < types.size(); ++t) {
        const node_layout best = baselines::best_layout(n, baselines::node_capacity(*s.topology, types[t]));
        value[i][t] = opts_.reference_dp_values ? perf.dp_throughput(jb, types[t], best)
                                                : perf.throughput(jb, types[t], best, true);
        best_value = std::max(best_value, value[i][t]);
      }
      big += best_value;
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const int j = jobs[i];
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      const bool running = i < num_running;
      const int n = running ? v.num_gpus_of(j) : jb.requested_gpus;
      const std::string cur = running ? recorded_type(v, j) : std::string();
      std::vector<detail::milp_term> one;
      for (std::size_t t = 0; t < types.size(); ++t) {
        const double thr = value[i][t];
        if (thr <= 0 && types[t] != cur && !opts_.record_drift) continue;
        x[i][t] = m.add_binary(thr > 0 ? thr : (opts_.record_drift ? -big : 0.0));
        one.push_back({x[i][t], 1.0});
        per_type[t].push_back({x[i][t], static_cast<double>(n)});
        if (types[t] == cur) keep.push_back({x[i][t], 1.0});
      }
      if (one.empty()) return false;  // the candidate runs on no type under the DP rule
      m.add_row(std::move(one), 1.0, 1.0);
    }
    for (std::size_t t = 0; t < types.size(); ++t)
      m.add_row(std::move(per_type[t]), -detail::milp_infinity, static_cast<double>(v.usable_gpus(types[t])));
    m.add_row(std::move(keep), static_cast<double>(num_running) - opts_.max_type_changes, detail::milp_infinity);

    const detail::milp_solution sol = detail::solve(m);
    // The artifact rejects only a zero objective; with a -big term the candidate is "admitted".
    if (!sol.has_solution() || (opts_.record_drift ? sol.objective == 0.0 : sol.objective <= 0)) return false;

    std::vector<baselines::reconfiguration> changes;
    std::map<std::string, std::string> answer;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      for (std::size_t t = 0; t < types.size(); ++t) {
        if (x[i][t] < 0 || sol.as_int(x[i][t]) != 1) continue;
        const bool running = i < num_running;
        answer[v.job_id(jobs[i])] = types[t];
        if (running && types[t] == recorded_type(v, jobs[i])) continue;
        changes.push_back({jobs[i], types[t], running ? v.num_gpus_of(jobs[i]) : cj.requested_gpus});
      }
    const bool placed = baselines::apply_reconfigurations(v, s, perf, changes, true);
    if (opts_.record_drift)
      for (std::size_t i = 0; i < jobs.size(); ++i)
        if (i < num_running || placed) recorded_[v.job_id(jobs[i])] = answer[v.job_id(jobs[i])];
    return placed;
  }

  gavel_options opts_;
  std::map<std::string, std::string> recorded_;  ///< job id -> the type the artifact has on record
};

static_assert(policy<gavel_policy, baselines::any_oracle>);

}  // namespace cellsched
