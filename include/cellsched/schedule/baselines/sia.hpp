#pragma once
// Sia baseline (Jayaram Subramanya et al., SOSP 2023), as the reference artifact adapts it
// (sjtu-epcc/arena, baselines/sia_sched.py, hyper-parameters from Sia's artifact):
// * one configuration per job: GPU type and count (the layout is the best locality of that count);
// * on every admission (a new job, or a waiting job retried when GPUs free up) an integer program over
//   all running jobs plus the candidate maximises  Σ_jobs Σ_configs x·min((G·r)^p, 3000) + λ·[candidate
//   placed], with p = 0.5 (fairness), each running job on exactly one configuration, the candidate on
//   at most one, each type's GPU count respected and at most 5 running jobs changing configuration;
//   jobs are split into partitions of at most 200 per program (solved in order, the capacity left by
//   earlier partitions carried over, the 5 moves shared among them); solved with COIN-OR CBC (the
//   artifact used GLPK through cvxpy);
// * G is Sia's normalised goodput: N_min · thr / min thr over the job's feasible configurations (N_min the
//   fewest GPUs it can run on); statistical efficiency is 1 because batch sizes are fixed;
// * restart penalty r = max((T − N·δ)/(T + δ), 0.01), T the job's execution time so far, N its
//   (re)starts, δ = 600 s. Two forms (sia_options::penalty):
//   - `artifact` (default, reproduces the reference figures): as the artifact computes it, r scales all of
//     a job's configurations, N counts the job's first start, and a job that has not run gets 0.01;
//     r then acts as a per-job weight rather than a price on moving;
//   - `paper`: as the Sia paper defines it, r scales only the configurations other than the current one;
// * running jobs keep their GPU count unless sia_options::rescale_running_jobs: in the artifact a running
//   job's new count is recorded but never applied (it is re-placed with its old count when its type
//   changes), so the reference figures come from type changes only;
// * the running jobs whose configuration changed, then the candidate, are re-placed at best locality,
//   else relaxed locality; if one cannot be placed the admission fails and nothing moves;
// * waiting jobs are all retried in order when GPUs free up (no blocking); a new job that cannot run on
//   any type at its requested count is dropped.
// A candidate is admitted only if it can be placed: when the free GPUs of all types together are fewer
// than its smallest configuration needs and running jobs keep their counts, no program can place it and
// none is solved (exact: moves keep the GPUs in use constant); likewise during retries when the best
// layout of every configuration fails the data rule (placement would reject whatever the program chose).
// Data rule (sia_options::dp_memory_rule, on by default as the artifact's code runs): throughputs are
// best-plan figures without the data-parallel (DP) memory check; placements of new arrivals skip that
// check, placements during retries apply it; and a job whose DP memory fits on no GPU type at any count
// of sia_options::gpu_counts is never started (it waits, it is not dropped). Run beside ours on the
// Helios-Venus and PAI traces, the artifact's code never starts such jobs, and our finished counts before
// the rule minus theirs are exactly their number (docs/baselines.md). Without the rule (the `sia-paper` variant,
// with the published penalty and rescaling) no DP memory check is applied anywhere.
// Without COIN-OR CBC the policy is unavailable: available() is false and decide() starts nothing.
#include <algorithm>
#include <concepts>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/detail/milp.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/schedule/baselines/common.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched {

/// How the restart penalty enters the program (see the header comment).
enum class sia_penalty { artifact, paper };

struct sia_options {
  std::vector<int> gpu_counts = baselines::default_gpu_counts();
  double fairness_p = 0.5;           ///< p_fairness
  double goodput_clip = 3000.0;      ///< sia_goodput_clip_val
  double restart_penalty_s = 600.0;  ///< δ: the re-tuning cap of an unguided search
  double min_realloc_factor = 0.01;
  double placement_bonus = 1.0;  ///< λ: objective gain for placing the candidate (artifact: -not_alloc_penalty)
  int max_moved_jobs = 5;        ///< MAX_MGRT_JOB_NUM
  int max_jobs_per_milp = 200;   ///< MAX_JOB_NUM_PARTITION
  sia_penalty penalty = sia_penalty::artifact;
  bool rescale_running_jobs = false;  ///< let the program change running jobs' GPU counts (Sia as published)
  /// The artifact's data-parallel memory rule (see the header comment); false: best-plan feasibility only.
  bool dp_memory_rule = true;
  std::string name = "sia";  ///< the policy's name (registry, saved state)
  /// Branch-and-bound node limit per program; the best solution found is used when it is reached (< 0:
  /// none). The reference Philly run never needs more than 9,222 nodes, so its figures are exact; with
  /// injected faults a few programs need 50,000+ and one run took hours without a limit (docs/baselines.md).
  long milp_max_nodes = 20'000;
};

/// Sia as its paper defines it (the `sia-paper` policy): the restart penalty prices moves only, running
/// jobs may grow or shrink, and no data-parallel memory rule.
[[nodiscard]] inline sia_options sia_paper_options() {
  sia_options o;
  o.penalty = sia_penalty::paper;
  o.rescale_running_jobs = true;
  o.dp_memory_rule = false;
  o.name = "sia-paper";
  return o;
}

class sia_policy {
 public:
  explicit sia_policy(sia_options opts = {}) : opts_(std::move(opts)) {}

  [[nodiscard]] std::string name() const { return opts_.name; }
  [[nodiscard]] static cost_options default_costs() noexcept { return baselines::baseline_costs(); }

  /// Restart hooks (schedule/policy_state.hpp): the restart counts are all Sia keeps between calls.
  template <std::same_as<nlohmann::json> Json = nlohmann::json>  // a template: see policy_state.hpp
  [[nodiscard]] Json save_state() const {
    return {{"policy", name()}, {"restarts", restarts_}};
  }
  template <std::same_as<nlohmann::json> Json>
  void load_state(const Json& j, const cluster&) {
    policy_state_detail::expect_policy(j, name());
    restarts_ = policy_state_detail::get<std::map<std::string, int>>(j, "restarts", name());
  }
  [[nodiscard]] static constexpr bool available() noexcept { return detail::milp_solver_available(); }
  [[nodiscard]] static const char* unavailable_reason() noexcept { return "unavailable (built without COIN-OR CBC)"; }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    static_assert(perf_oracle<Oracle>);
    baselines::cluster_view v(s);
    if (!available()) return v.to_decision();
    baselines::perf_cache<Oracle> perf(*s.oracle);
    const baselines::round_events ev = baselines::classify(s);
    forget_gone(v);
    std::vector<dropped_job> dropped;
    if (ev.resources_freed) {
      // A failed admission changes nothing, so an identical candidate (same model and batch: the same
      // program) fails again until something starts.
      std::set<std::pair<std::string, std::int64_t>> failed;
      (void)baselines::retry_waiting(s, ev.pending, false, [&](int j) {
        const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
        const auto key = std::make_pair(jb.model, jb.global_batch);
        if (failed.count(key)) return baselines::try_result::skipped;
        if (admit(s, v, perf, j, opts_.dp_memory_rule)) {
          failed.clear();
          return baselines::try_result::started;
        }
        failed.insert(key);
        return baselines::try_result::skipped;
      });
    }
    for (int j : ev.arrivals) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (!runs_somewhere(s, v, perf, jb)) {
        dropped.push_back({jb.id, "cannot run on any GPU type at its requested count"});
        continue;
      }
      if (opts_.dp_memory_rule && !dp_memory_fits_somewhere(s, v, perf, jb)) continue;  // waits, never starts
      (void)admit(s, v, perf, j, false);
    }
    decision d = v.to_decision();
    d.dropped = std::move(dropped);
    return d;
  }

 private:
  struct config {
    std::string type;
    int gpus = 0;
    double value = 0.0;  ///< objective coefficient
  };

  void forget_gone(const baselines::cluster_view& v) {
    std::map<std::string, int> keep;
    for (int j = 0; j < v.num_jobs(); ++j)
      if (const auto it = restarts_.find(v.job_id(j)); it != restarts_.end()) keep.insert(*it);
    restarts_ = std::move(keep);
  }

  template <class Oracle>
  [[nodiscard]] bool runs_somewhere(const snapshot<Oracle>& s, const baselines::cluster_view& v,
                                    baselines::perf_cache<Oracle>& perf, const job& jb) const {
    for (const auto& t : v.types_up())
      for (int n : opts_.gpu_counts) {
        if (jb.requested_gpus > 0 && n != jb.requested_gpus) continue;
        const node_layout l = baselines::best_layout(n, baselines::node_capacity(*s.topology, t));
        if (!l.empty() && baselines::usable(perf.query(jb, t, l), false)) return true;
      }
    return false;
  }

  // Whether some GPU type and count of opts_.gpu_counts (best layout) runs the job within its DP memory.
  template <class Oracle>
  [[nodiscard]] bool dp_memory_fits_somewhere(const snapshot<Oracle>& s, const baselines::cluster_view& v,
                                              baselines::perf_cache<Oracle>& perf, const job& jb) const {
    for (const auto& t : v.types_up())
      for (int n : opts_.gpu_counts) {
        const node_layout l = baselines::best_layout(n, baselines::node_capacity(*s.topology, t));
        if (!l.empty() && baselines::usable(perf.query(jb, t, l), true)) return true;
      }
    return false;
  }

  // The job's configurations with their objective values; a running job's current one is always listed.
  template <class Oracle>
  [[nodiscard]] std::vector<config> configurations(const snapshot<Oracle>& s, const baselines::cluster_view& v,
                                                   baselines::perf_cache<Oracle>& perf, int j) const {
    const job_status& js = s.jobs[static_cast<std::size_t>(j)];
    const job& jb = *js.spec;
    const bool running = v.holds(j);
    const std::string cur_type = running ? v.type_of(j) : std::string();
    const int cur_n = running ? v.num_gpus_of(j) : 0;
    std::vector<config> out;
    std::vector<double> thr;
    for (const auto& t : v.types_up()) {
      const int cap = baselines::node_capacity(*s.topology, t);
      std::vector<int> counts = opts_.gpu_counts;
      if (t == cur_type && std::find(counts.begin(), counts.end(), cur_n) == counts.end()) counts.push_back(cur_n);
      for (int n : counts) {
        const bool current = t == cur_type && n == cur_n;
        if (n > v.usable_gpus(t) && !current) continue;
        const double x = perf.throughput(jb, t, baselines::best_layout(n, cap), false);
        if (x <= 0 && !current) continue;
        out.push_back({t, n, 0.0});
        thr.push_back(x);
      }
    }
    // Sia's normalisation: G = N_min * thr / min thr over feasible configurations.
    int n_min = 0;
    double thr_min = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (thr[i] <= 0) continue;
      if (n_min == 0 || out[i].gpus < n_min) n_min = out[i].gpus;
      if (thr_min == 0.0 || thr[i] < thr_min) thr_min = thr[i];
    }
    const double exec_s = running ? std::max(0.0, s.now_s - jb.submit_time_s - js.queued_s) : 0.0;
    const auto it = restarts_.find(jb.id);
    const bool artifact = opts_.penalty == sia_penalty::artifact;
    // The artifact counts a running job's first start among its re-schedulings.
    const double restarts = (it == restarts_.end() ? 0.0 : it->second) + (artifact && running ? 1.0 : 0.0);
    const double r = std::max((exec_s - restarts * opts_.restart_penalty_s) / (exec_s + opts_.restart_penalty_s),
                              opts_.min_realloc_factor);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (thr[i] <= 0) continue;
      const double g = n_min * thr[i] / thr_min;
      const bool current = out[i].type == cur_type && out[i].gpus == cur_n;
      const double f = artifact ? r : (running && !current ? r : 1.0);
      out[i].value = std::min(std::pow(g * f, opts_.fairness_p), opts_.goodput_clip);
    }
    if (running && !opts_.rescale_running_jobs)
      out.erase(std::remove_if(out.begin(), out.end(), [&](const config& c) { return c.gpus != cur_n; }), out.end());
    return out;
  }

  // Whether the best layout of some configuration passes the data rule; placement gives up on a
  // configuration whose best layout fails it, so otherwise every admission fails at placement.
  template <class Oracle>
  [[nodiscard]] static bool placeable_under_dp_rule(const snapshot<Oracle>& s, baselines::perf_cache<Oracle>& perf,
                                                    int cand, const std::vector<config>& cfg) {
    const job& jb = *s.jobs[static_cast<std::size_t>(cand)].spec;
    for (const config& c : cfg) {
      const node_layout l = baselines::best_layout(c.gpus, baselines::node_capacity(*s.topology, c.type));
      if (!l.empty() && baselines::usable(perf.query(jb, c.type, l), true)) return true;
    }
    return false;
  }

  // The artifact's _sia_admission_control + _sia_resource_allocation for candidate `cand`.
  template <class Oracle>
  bool admit(const snapshot<Oracle>& s, baselines::cluster_view& v, baselines::perf_cache<Oracle>& perf, int cand,
             bool dp_rule) {
    std::vector<int> jobs = baselines::running_jobs(v);
    jobs.push_back(cand);
    std::vector<std::vector<config>> all_cfg;
    for (int j : jobs) all_cfg.push_back(configurations(s, v, perf, j));
    std::map<std::string, double> left;
    for (const auto& t : v.types_up()) left[t] = v.usable_gpus(t);
    if (!opts_.rescale_running_jobs) {
      // Moves keep the GPUs in use constant: the candidate needs that many free GPUs somewhere.
      double free_gpus = 0.0;
      for (const auto& [t, n] : left) free_gpus += n;
      for (std::size_t i = 0; i + 1 < jobs.size(); ++i) free_gpus -= v.num_gpus_of(jobs[i]);
      int need = 0;
      for (const config& c : all_cfg.back()) need = need == 0 ? c.gpus : std::min(need, c.gpus);
      if (need == 0 || free_gpus < need) return false;
    }
    if (dp_rule && !placeable_under_dp_rule(s, perf, cand, all_cfg.back())) return false;
    const std::size_t per = static_cast<std::size_t>(std::max(1, opts_.max_jobs_per_milp));
    const std::size_t parts = (jobs.size() + per - 1) / per;
    const int moves = opts_.max_moved_jobs / static_cast<int>(parts);

    std::vector<baselines::reconfiguration> changes;
    bool placed = false;
    for (std::size_t p = 0; p < parts; ++p) {
      const std::size_t lo = p * per, hi = std::min(jobs.size(), lo + per);
      detail::milp m;
      m.maximize();
      std::vector<std::vector<config>> cfg;
      std::vector<std::vector<int>> var;
      std::map<std::string, std::vector<detail::milp_term>> per_type;
      std::vector<detail::milp_term> keep;
      int kept_jobs = 0;
      for (std::size_t i = lo; i < hi; ++i) {
        const int j = jobs[i];
        const bool is_cand = j == cand;
        cfg.push_back(all_cfg[i]);
        var.emplace_back();
        std::vector<detail::milp_term> one;
        for (const config& c : cfg.back()) {
          const int x = m.add_binary(c.value + (is_cand ? opts_.placement_bonus : 0.0));
          var.back().push_back(x);
          one.push_back({x, 1.0});
          per_type[c.type].push_back({x, static_cast<double>(c.gpus)});
          if (!is_cand && c.type == v.type_of(j) && c.gpus == v.num_gpus_of(j)) keep.push_back({x, 1.0});
        }
        if (!is_cand) ++kept_jobs;
        if (one.empty() && !is_cand) return false;  // cannot happen: the current configuration is listed
        m.add_row(std::move(one), is_cand ? 0.0 : 1.0, 1.0);
      }
      for (auto& [t, terms] : per_type) m.add_row(std::move(terms), -detail::milp_infinity, left[t]);
      if (kept_jobs > 0) m.add_row(std::move(keep), static_cast<double>(kept_jobs - moves), detail::milp_infinity);

      detail::milp_options mo;
      mo.max_nodes = opts_.milp_max_nodes;
      const detail::milp_solution sol = detail::solve(m, mo);
      if (!sol.has_solution()) return false;
      for (std::size_t k = 0; k < cfg.size(); ++k) {
        const int j = jobs[lo + k];
        for (std::size_t c = 0; c < cfg[k].size(); ++c) {
          if (sol.as_int(var[k][c]) != 1) continue;
          left[cfg[k][c].type] -= cfg[k][c].gpus;
          if (j == cand) placed = true;
          if (j == cand || cfg[k][c].type != v.type_of(j) || cfg[k][c].gpus != v.num_gpus_of(j))
            changes.push_back({j, cfg[k][c].type, cfg[k][c].gpus});
        }
      }
    }
    if (!placed || !baselines::apply_reconfigurations(v, s, perf, changes, dp_rule)) return false;
    for (const auto& c : changes)
      if (c.job != cand) ++restarts_[v.job_id(c.job)];
    return true;
  }

  sia_options opts_;
  std::map<std::string, int> restarts_;  ///< job id -> times Sia re-placed it while running
};

static_assert(policy<sia_policy, baselines::any_oracle>);

}  // namespace cellsched
