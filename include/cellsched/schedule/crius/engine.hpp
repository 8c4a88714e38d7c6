#pragma once
// State the Crius searches share within one scheduling call: the jobs with their quotas and tags, the
// committed table, the running / pending / decision queues, and throughput answers from the oracle
// (memoised per job, type and layout). Gains are sums of changes of the objective's figure (throughput
// unless crius_options::objective says otherwise); an infeasible option
// scores -1e9 (INFEASIBLE_THR), exactly as in the artifact.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/estimate/objective.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/schedule/crius/options.hpp"
#include "cellsched/schedule/crius/table.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched::crius_detail {

inline constexpr double infeasible_gain = -1e9;

inline void erase_value(std::vector<int>& v, int x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it != v.end()) v.erase(it);
}
[[nodiscard]] inline bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

struct oracle_answer {
  bool feasible = false;
  double thr = 0.0;  ///< samples/s
  double iter_time_s = 0.0;
  double score = 0.0;  ///< the objective's figure (crius_options::objective); thr for throughput
};

struct job_entry {
  const job* spec = nullptr;
  quota q;  ///< the GPUs it holds, or asks for / last held while pending
  bool running = false;
  bool blocker = false;      ///< pending, with opportunistic jobs queued behind it
  bool opportunism = false;  ///< running ahead of earlier pending jobs
  std::int64_t remaining_iterations = 0;
  double tune_debt_s = 0.0;
  std::string info_key;  ///< "<model>_<batch>": restart passes skip keys that already failed
  /// Oracle answers for this job by (type, nodes, GPUs per node), kept by the policy across calls.
  std::unordered_map<std::uint32_t, oracle_answer>* answers = nullptr;
};

/// A job as one search branch sees it: which job, and the quota of the branch's copy of it.
struct job_view {
  int id = 0;
  quota q;
};

using oracle_fn = std::function<perf_answer(const job&, const std::string&, const node_layout&)>;

struct engine {
  const crius_options* opt = nullptr;
  const topology_view* tv = nullptr;
  oracle_fn oracle;
  double now_s = 0.0;
  cost_options costs;  ///< the snapshot's re-tuning costs (deadline mode charges them in a job's first round)
  std::vector<job_entry> jobs;
  table committed;
  std::vector<int> running_queue;  ///< in the order jobs started
  std::vector<int> pending_queue;
  std::vector<int> decision_queue;                                   ///< pending and opportunistic jobs, FIFO
  std::vector<int> suspended;                                        ///< jobs suspended during this call
  std::vector<int> dropped;                                          ///< deadline mode: dropped during this call
  mutable std::unordered_map<std::uint64_t, oracle_answer> answers;  ///< for jobs without their own cache
  /// Per GPU type index (topology_view::type_names): the catalog's type, its board and idle power and
  /// its GPU-hour price (0 when none was given); filled by the policy for the energy, cost and power
  /// budget options.
  std::vector<const gpu_type*> types;
  std::vector<double> type_tdp_w;
  std::vector<double> type_idle_w;
  std::vector<double> type_usd_per_gpu_hour;
  std::vector<char> node_up;  ///< per node: up in this snapshot

  /// Power the cluster may draw with table `t` (power budget, crius_options): a GPU a job holds at its
  /// board power, a GPU held by nobody known (a node's busy GPU the host placed) at board power too
  /// unless its node is down, every other GPU at idle power.
  [[nodiscard]] double table_power_w(const table& t) const {
    double w = 0.0;
    for (int v = 0; v < tv->num_nodes(); ++v) {
      const auto type = static_cast<std::size_t>(tv->node_type[static_cast<std::size_t>(v)]);
      const bool up = node_up.empty() || node_up[static_cast<std::size_t>(v)];
      const int first = tv->node_first[static_cast<std::size_t>(v)];
      for (int g = first; g < first + tv->node_size[static_cast<std::size_t>(v)]; ++g) {
        const slot& s = t[static_cast<std::size_t>(g)];
        const bool busy = s.owner >= 0 || (s.owner == down_owner && up) || (is_fake(s.owner) && !s.idle);
        w += busy ? type_tdp_w[type] : type_idle_w[type];
      }
    }
    return w;
  }
  /// True without a budget, or when table `t` keeps the cluster within it.
  [[nodiscard]] bool within_budget(const table& t) const {
    return !(opt->power_budget_w > 0.0) || table_power_w(t) <= opt->power_budget_w;
  }
  /// Power change of moving a job from `from` to `to` GPUs (busy at board power instead of idle).
  [[nodiscard]] double move_power_w(const quota& from, const quota& to) const {
    const auto busy_extra = [&](const quota& q) {
      if (q.type < 0) return 0.0;
      const auto t = static_cast<std::size_t>(q.type);
      return q.num * (type_tdp_w[t] - type_idle_w[t]);
    };
    return busy_extra(to) - busy_extra(from);
  }

  [[nodiscard]] int cap(int type) const { return tv->type_cap[static_cast<std::size_t>(type)]; }

  [[nodiscard]] const oracle_answer& ask(int job_index, int type, int nodes, int per_node) const {
    const std::uint32_t small = (static_cast<std::uint32_t>(type & 0xff) << 24) |
                                (static_cast<std::uint32_t>(nodes & 0xfff) << 12) |
                                static_cast<std::uint32_t>(per_node & 0xfff);
    auto& cache_map = jobs[static_cast<std::size_t>(job_index)].answers;
    const std::uint64_t key = (static_cast<std::uint64_t>(job_index) << 32) | small;
    if (cache_map) {
      auto it = cache_map->find(small);
      if (it != cache_map->end()) return it->second;
    } else if (auto it = answers.find(key); it != answers.end()) {
      return it->second;
    }
    oracle_answer a;
    if (type >= 0 && nodes > 0 && per_node > 0) {
      const job& j = *jobs[static_cast<std::size_t>(job_index)].spec;
      const perf_answer p = oracle(j, tv->type_names[static_cast<std::size_t>(type)],
                                   node_layout(static_cast<std::size_t>(nodes), per_node));
      a.feasible = p.feasible;
      a.thr = p.throughput_samples_per_s(static_cast<double>(j.global_batch));
      a.iter_time_s = p.iter_time_s;
      if (!(a.thr > 0)) a.feasible = false;
      a.score = a.thr;
      if (opt->objective != allocation_objective::throughput && a.feasible) {
        const auto ti = static_cast<std::size_t>(type);
        a.score = types[ti] == nullptr ? 0.0
                                       : objective_value(opt->objective, a.thr, *types[ti], nodes * per_node,
                                                         p.compute_share, type_usd_per_gpu_hour[ti]);
        if (!(a.score > 0)) a.feasible = false;  // unpriced or unpowered: never chosen
      }
    }
    if (cache_map) return cache_map->emplace(small, a).first->second;
    return answers.emplace(key, a).first->second;
  }

  /// Deadline mode: now + re-tuning owed + one round + remaining x iteration time <= deadline; a job in
  /// its first round owes the snapshot's re-tuning, min(tune/GPU x its GPUs, cap).
  [[nodiscard]] bool deadline_ok(const job_view& j, const quota& at) const {
    const job_entry& e = jobs[static_cast<std::size_t>(j.id)];
    const oracle_answer& a = ask(j.id, at.type, at.nodes, at.per_node);
    if (!a.feasible) return false;
    if (!e.spec->deadline_s) return true;
    double overhead = e.tune_debt_s;
    if (now_s - e.spec->submit_time_s <= opt->round_s) {
      overhead = costs.tune_only_s(j.q.num);
    }
    const double work =
        static_cast<double>(static_cast<std::int64_t>(static_cast<double>(e.remaining_iterations) * a.iter_time_s));
    return now_s + overhead + opt->round_s + work <= *e.spec->deadline_s;
  }

  [[nodiscard]] bool alloc_feasible(const job_view& j, const quota& at) const {
    if (opt->deadline_aware && !deadline_ok(j, at)) return false;
    return ask(j.id, at.type, at.nodes, at.per_node).feasible;
  }

  /// Throughput on `at`, or infeasible_gain.
  [[nodiscard]] double gain_of(const job_view& j, const quota& at) const {
    if (opt->deadline_aware && !deadline_ok(j, at)) return infeasible_gain;
    const oracle_answer& a = ask(j.id, at.type, at.nodes, at.per_node);
    return a.feasible ? a.score : infeasible_gain;
  }
  /// Objective change from `prev` to `at`; an infeasible `prev` counts as -1e9.
  [[nodiscard]] double gain_of(const job_view& j, const quota& at, const quota& prev) const {
    const double now_thr = gain_of(j, at);
    if (now_thr == infeasible_gain) return infeasible_gain;
    const oracle_answer& p = ask(j.id, prev.type, prev.nodes, prev.per_node);
    return p.feasible ? now_thr - p.score : now_thr - infeasible_gain;
  }

  [[nodiscard]] job_view view(int job) const { return {job, jobs[static_cast<std::size_t>(job)].q}; }
  [[nodiscard]] job_stat stat(const table& t, int owner, const quota& fallback) const {
    return stat_of(t, *tv, owner, fallback);
  }
  [[nodiscard]] int search_depth() const {
    return static_cast<int>(running_queue.size()) <= opt->busy_running_jobs ? opt->search_depth
                                                                            : opt->busy_search_depth;
  }

  /// Running jobs' quotas follow the committed table.
  void update_running_quotas() {
    const owner_stats o = summarize(committed, *tv, jobs.size());
    for (int j : running_queue) {
      job_entry& e = jobs[static_cast<std::size_t>(j)];
      if (o.count[static_cast<std::size_t>(j)] > 0) e.q = quota_from(o, *tv, j, e.q);
    }
  }
};

}  // namespace cellsched::crius_detail
