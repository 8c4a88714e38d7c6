#pragma once
// ElasticFlow-LS baseline: ElasticFlow (Gu et al., ASPLOS 2023) with loose deadlines, i.e. its
// throughput-oriented variant, restated from the reference artifact (sjtu-epcc/arena,
// baselines/elasticflow_sched.py, run as "elasticflow-l"):
// * jobs stay on their requested GPU type (ElasticFlow assumes a homogeneous pool per type); the GPU
//   count is elastic;
// * admission: every job of the type (running ones and the newcomer, by deadline) needs its minimum
//   satisfactory share, the fewest GPUs with which it still meets its deadline; the shares must fit the
//   type's GPUs. The "-LS" deadline is submission + 10^9 s (docs/reference-simulator.md §1), so the share is the
//   fewest GPUs on which the job runs at all;
// * allocation: the remaining GPUs go out greedily by marginal return, doubling each time the job whose
//   doubling gains the most throughput (as in the artifact, the best doubling is taken even when its gain
//   is negative, until no doubling fits);
// * placement: every job of the type is re-placed: jobs larger than a node take whole nodes in node
//   order, the others are packed node by node, largest first (buddy-style);
// * when GPUs free up, waiting jobs are retried in order; a job that cannot be admitted blocks the
//   later ones of its type.
// Data rule: shares and gains use data-parallel feasibility (the DP out-of-memory rule applies), so a
// job whose data-parallel memory never fits never starts (docs/reference-simulator.md §2).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/schedule/baselines/common.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched {

struct elasticflow_options {
  std::vector<int> gpu_counts = baselines::default_gpu_counts();  ///< ascending
  double deadline_slack_s = 1e9;  ///< deadline = submission + this ("-LS": loose deadlines)
  double round_s = 300.0;         ///< the host's round, part of the deadline test (artifact SCHEDULING_INTERVAL)
};

class elasticflow_policy {
 public:
  explicit elasticflow_policy(elasticflow_options opts = {}) : opts_(std::move(opts)) {
    std::sort(opts_.gpu_counts.begin(), opts_.gpu_counts.end());
  }

  [[nodiscard]] std::string name() const { return "elasticflow-ls"; }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    static_assert(perf_oracle<Oracle>);
    baselines::cluster_view v(s);
    baselines::perf_cache<Oracle> perf(*s.oracle);
    const baselines::round_events ev = baselines::classify(s);
    std::vector<dropped_job> dropped;
    auto attempt = [&](int j) {
      return fit(s, v, perf, j) ? baselines::try_result::started : baselines::try_result::no_room;
    };
    if (ev.resources_freed) (void)baselines::retry_waiting(s, ev.pending, true, attempt);
    for (int j : ev.arrivals) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (!jb.requested_gpu_type || v.nodes_of(*jb.requested_gpu_type).empty()) {
        dropped.push_back({jb.id, "ElasticFlow needs a requested GPU type present in the cluster"});
        continue;
      }
      (void)attempt(j);
    }
    decision d = v.to_decision();
    d.dropped = std::move(dropped);
    return d;
  }

 private:
  // Throughput of the job on n GPUs of the type at best locality under the DP rule, 0 when infeasible.
  template <class Oracle>
  [[nodiscard]] static double dp_throughput(baselines::perf_cache<Oracle>& perf, const job& jb, const std::string& type,
                                            int n, int node_cap) {
    return perf.throughput(jb, type, baselines::best_layout(n, node_cap), true);
  }

  // The fewest GPUs meeting the deadline (artifact _get_min_satisfactory_share), 0 when none does.
  template <class Oracle>
  [[nodiscard]] int min_share(const snapshot<Oracle>& s, baselines::perf_cache<Oracle>& perf, int j,
                              const std::string& type, int node_cap) const {
    const job_status& js = s.jobs[static_cast<std::size_t>(j)];
    const job& jb = *js.spec;
    const double deadline = jb.submit_time_s + opts_.deadline_slack_s;
    const double tune = s.costs.tune_time_s(jb.requested_gpus > 0 ? jb.requested_gpus : 1);
    for (int n : opts_.gpu_counts) {
      const double thr = dp_throughput(perf, jb, type, n, node_cap);
      if (thr <= 0) continue;
      const double iter_s = static_cast<double>(jb.global_batch) / thr;
      const double finish =
          s.now_s + tune + opts_.round_s + std::floor(static_cast<double>(js.remaining_iterations) * iter_s);
      if (finish <= deadline) return n;
    }
    return 0;
  }

  [[nodiscard]] int next_count(int n) const {
    for (int c : opts_.gpu_counts)
      if (c > n) return c;
    return 0;
  }

  // Admission, greedy allocation and re-placement of every job of the newcomer's type.
  template <class Oracle>
  bool fit(const snapshot<Oracle>& s, baselines::cluster_view& v, baselines::perf_cache<Oracle>& perf,
           int target) const {
    const job& tj = *s.jobs[static_cast<std::size_t>(target)].spec;
    if (!tj.requested_gpu_type) return false;
    const std::string type = *tj.requested_gpu_type;
    const int cap = baselines::node_capacity(v.topology(), type);
    std::vector<int> jobs{target};
    for (int j : baselines::running_jobs(v))
      if (v.type_of(j) == type) jobs.push_back(j);

    // Admission: every share fits (deadlines differ only by submission, so submission order is deadline order).
    std::vector<int> by_deadline = jobs;
    std::stable_sort(by_deadline.begin(), by_deadline.end(), [&](int a, int b) {
      return s.jobs[static_cast<std::size_t>(a)].spec->submit_time_s <
             s.jobs[static_cast<std::size_t>(b)].spec->submit_time_s;
    });
    std::vector<int> share(static_cast<std::size_t>(v.num_jobs()), 0);
    int left = v.usable_gpus(type);
    for (int j : by_deadline) {
      share[static_cast<std::size_t>(j)] = min_share(s, perf, j, type, cap);
      if (share[static_cast<std::size_t>(j)] == 0 || share[static_cast<std::size_t>(j)] > left) return false;
      left -= share[static_cast<std::size_t>(j)];
    }

    // Greedy marginal return: repeatedly grow the job whose next count gains the most throughput.
    for (;;) {
      int best = -1;
      double best_gain = -1e9;  // the artifact's INFEASIBLE_THR: any feasible step beats it
      for (int j : jobs) {
        const int cur = share[static_cast<std::size_t>(j)], nxt = next_count(cur);
        if (nxt == 0 || nxt - cur > left) continue;
        const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
        const double to = dp_throughput(perf, jb, type, nxt, cap);
        if (to <= 0) continue;
        const double from = dp_throughput(perf, jb, type, cur, cap);
        const double gain = from > 0 ? to - from : to + 1e9;
        if (gain > best_gain) {
          best_gain = gain;
          best = j;
        }
      }
      if (best < 0) break;
      const int cur = share[static_cast<std::size_t>(best)];
      left -= next_count(cur) - cur;
      share[static_cast<std::size_t>(best)] = next_count(cur);
    }

    // Re-place the whole type: large jobs on whole nodes in node order, the rest packed largest first.
    baselines::cluster_view trial = v;
    for (int j : jobs) trial.release(j);
    std::vector<int> order = jobs;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return share[static_cast<std::size_t>(a)] > share[static_cast<std::size_t>(b)];
    });
    std::vector<node_id> nodes = trial.nodes_of(type);
    std::vector<bool> placed(static_cast<std::size_t>(v.num_jobs()), false);
    for (int j : order) {
      const int n = share[static_cast<std::size_t>(j)];
      if (n <= cap) break;
      if (n % cap != 0) return false;
      std::vector<node_id> whole;
      for (node_id nd : nodes)
        if (static_cast<int>(whole.size()) < n / cap && trial.free_gpus(nd) == cap) whole.push_back(nd);
      if (static_cast<int>(whole.size()) < n / cap || !trial.place(j, whole, cap)) return false;
      for (node_id nd : whole) nodes.erase(std::find(nodes.begin(), nodes.end(), nd));
      placed[static_cast<std::size_t>(j)] = true;
    }
    for (node_id nd : nodes)
      for (int j : order) {
        if (trial.free_gpus(nd) == 0) break;
        if (placed[static_cast<std::size_t>(j)] || share[static_cast<std::size_t>(j)] > trial.free_gpus(nd)) continue;
        placed[static_cast<std::size_t>(j)] = trial.place(j, {nd}, share[static_cast<std::size_t>(j)]);
      }
    for (int j : jobs)
      if (!placed[static_cast<std::size_t>(j)]) return false;
    v = std::move(trial);
    return true;
  }

  elasticflow_options opts_;
};

static_assert(policy<elasticflow_policy, baselines::any_oracle>);

}  // namespace cellsched
