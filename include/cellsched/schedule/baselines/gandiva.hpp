#pragma once
// Gandiva baseline (Xiao et al., OSDI 2018), as the reference artifact adapts it to large-model jobs
// (sjtu-epcc/arena, baselines/gandiva_sched.py). What is reproduced:
// * admission like FCFS: the requested GPU type and count, in submission order, no backfill within a
//   GPU type, jobs impossible at best locality dropped; placement tries best locality on the emptiest
//   nodes, then relaxed locality (halving GPUs per node);
// * packing/migration: when GPUs free up, jobs spread over partly used nodes are migrated to fewer
//   nodes (first inside the nodes they hold, then onto other nodes), one job at a time, until no node of
//   that type has at least half its GPUs idle (the artifact's end condition) or no move helps;
// * grow/shrink: a single-node job doubles its GPUs on its own node while its data-parallel throughput
//   keeps rising; the extra GPUs are lent, and a job that later needs them shrinks the grown job back to
//   the GPUs it started with.
// Not reproduced: Gandiva's time-slicing (suspend/resume of over-subscribed GPUs) and GPU sharing. The
// artifact leaves them out for large models ("not considering GPU co-location and over-subscription"),
// and the reference figures this baseline is compared against come from that variant.
// Data rule: admission uses best-plan time with no data-parallel memory check; growth uses the
// data-parallel check (the artifact's _get_delta_thr without force_opt).
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/schedule/baselines/common.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched {

struct gandiva_options {
  int max_migrations = 4096;  ///< per round (artifact GLOBAL_ETA)
  bool grow = true;           ///< lend idle GPUs on a job's own node
};

class gandiva_policy {
 public:
  explicit gandiva_policy(gandiva_options opts = {}) : opts_(opts) {}

  [[nodiscard]] std::string name() const { return "gandiva"; }

  /// Restart hooks (schedule/policy_state.hpp): the growth records are all Gandiva keeps between calls.
  template <std::same_as<nlohmann::json> Json = nlohmann::json>  // a template: see policy_state.hpp
  [[nodiscard]] Json save_state() const {
    return {{"policy", name()}, {"grown", grown_}};
  }
  template <std::same_as<nlohmann::json> Json>
  void load_state(const Json& j, const cluster&) {
    policy_state_detail::expect_policy(j, name());
    grown_ = policy_state_detail::get<std::map<std::string, std::vector<gpu_id>>>(j, "grown", name());
  }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    static_assert(perf_oracle<Oracle>);
    baselines::cluster_view v(s);
    baselines::perf_cache<Oracle> perf(*s.oracle);
    const baselines::round_events ev = baselines::classify(s);
    forget_stale_growth(v);
    std::vector<dropped_job> dropped;
    std::vector<int> waiting = ev.pending;

    if (ev.resources_freed) {
      migrate(v);
      waiting = baselines::retry_waiting(s, waiting, true, [&](int j) { return fit(s, v, perf, j); });
      if (opts_.grow) grow(s, v, perf);
    }

    for (int j : ev.arrivals) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (const std::string why = baselines::request_drop_reason(jb, *s.topology, perf); !why.empty()) {
        dropped.push_back({jb.id, why});
        continue;
      }
      if (baselines::type_waiting(s, waiting, *jb.requested_gpu_type) ||
          fit(s, v, perf, j) != baselines::try_result::started)
        waiting.push_back(j);
    }

    decision d = v.to_decision();
    d.dropped = std::move(dropped);
    return d;
  }

 private:
  // Growth records of jobs that are gone, or whose GPUs no longer contain the ones they started with.
  void forget_stale_growth(const baselines::cluster_view& v) {
    std::map<std::string, std::vector<gpu_id>> keep;
    for (int j = 0; j < v.num_jobs(); ++j) {
      const auto it = grown_.find(v.job_id(j));
      if (it == grown_.end() || !v.holds(j)) continue;
      const auto& g = v.gpus_of(j);
      if (std::includes(g.begin(), g.end(), it->second.begin(), it->second.end()) && g.size() > it->second.size())
        keep.insert(*it);
    }
    grown_ = std::move(keep);
  }

  // The view with every lent GPU handed back (grown jobs back at their initial GPUs).
  [[nodiscard]] baselines::cluster_view without_loans(const baselines::cluster_view& v) const {
    baselines::cluster_view w = v;
    for (int j = 0; j < w.num_jobs(); ++j) {
      const auto it = grown_.find(w.job_id(j));
      if (it != grown_.end() && w.holds(j)) w.assign(j, it->second);
    }
    return w;
  }

  // The artifact's _gandiva_fit_one_job plus its contention handling: place on the view with loans
  // returned; shrink the grown jobs whose lent GPUs the job takes; start it if its GPUs are then free.
  template <class Oracle>
  baselines::try_result fit(const snapshot<Oracle>& s, baselines::cluster_view& v, baselines::perf_cache<Oracle>& perf,
                            int j) {
    const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
    if (!jb.requested_gpu_type || jb.requested_gpus <= 0) return baselines::try_result::no_room;
    const std::string& type = *jb.requested_gpu_type;
    baselines::cluster_view trial = without_loans(v);
    if (!baselines::place_best_then_relaxed(trial, j, type, jb.requested_gpus, true, [&](const node_layout& l) {
          return baselines::usable(perf.query(jb, type, l), false);
        }))
      return baselines::try_result::no_room;
    const std::vector<gpu_id>& want = trial.gpus_of(j);
    for (int k = 0; k < v.num_jobs(); ++k) {
      const auto it = grown_.find(v.job_id(k));
      if (it == grown_.end() || !v.holds(k)) continue;
      const auto& held = v.gpus_of(k);
      const bool takes_loan = std::any_of(want.begin(), want.end(), [&](gpu_id g) {
        return std::binary_search(held.begin(), held.end(), g) &&
               !std::binary_search(it->second.begin(), it->second.end(), g);
      });
      if (takes_loan) {
        v.assign(k, it->second);
        grown_.erase(it);
      }
    }
    return v.assign(j, want) ? baselines::try_result::started : baselines::try_result::skipped;
  }

  // No partly used node of the type has half or more of its GPUs idle (artifact _is_migration_end).
  [[nodiscard]] static bool migration_done(const baselines::cluster_view& v, const std::string& type) {
    for (node_id n : v.nodes_of(type)) {
      const int cap = v.topology().node_at(n).num_gpus, f = v.free_gpus(n);
      if (f >= cap / 2 && f < cap) return false;
    }
    return true;
  }

  // _migrate_one_job: consolidate onto fewer of the nodes the job already holds (fullest first).
  static bool consolidate_in_place(baselines::cluster_view& v, int j) {
    const std::string type = v.type_of(j);
    const node_layout cur = v.layout_of(j);
    const std::vector<node_id> own = v.nodes_of_job(j);
    for (node_layout l = baselines::best_layout(v.num_gpus_of(j), baselines::node_capacity(v.topology(), type));
         !l.empty() && l.size() < cur.size(); l = baselines::relax(l)) {
      std::vector<std::pair<int, node_id>> cand;
      for (node_id n : own) {
        const int f = v.free_gpus(n);
        if (f >= l.front() - cur.front()) cand.emplace_back(f, n);
      }
      if (cand.size() < l.size()) continue;
      std::stable_sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<node_id> nodes;
      for (std::size_t i = 0; i < l.size(); ++i) nodes.push_back(cand[i].second);
      std::sort(nodes.begin(), nodes.end());
      if (v.place(j, nodes, l.front())) return true;
    }
    return false;
  }

  // _migrate_one_job_to_new_nodes: move the whole job to other nodes with more GPUs per node (fullest first).
  static bool move_to_new_nodes(baselines::cluster_view& v, int j) {
    const std::string type = v.type_of(j);
    const int n = v.num_gpus_of(j), cur = v.layout_of(j).front();
    const std::vector<node_id> own = v.nodes_of_job(j);
    for (node_layout l = baselines::best_layout(n, baselines::node_capacity(v.topology(), type));
         !l.empty() && l.front() > cur; l = baselines::relax(l)) {
      std::vector<node_id> cand =
          baselines::candidate_nodes(v, type, l.front(), baselines::node_order::least_free_first, own);
      if (cand.size() < l.size()) continue;
      cand.resize(l.size());
      std::sort(cand.begin(), cand.end());
      if (v.place(j, cand, l.front())) return true;
    }
    return false;
  }

  // _gandiva_migration_search: jobs spread over several partly used nodes, one migration at a time.
  void migrate(baselines::cluster_view& v) const {
    std::vector<int> spread;
    for (int j : baselines::running_jobs(v)) {
      const node_layout l = v.layout_of(j);
      if (l.size() > 1 && l.front() < baselines::node_capacity(v.topology(), v.type_of(j))) spread.push_back(j);
    }
    int budget = opts_.max_migrations;
    bool moved = true;
    while (moved && budget > 0 && !spread.empty()) {
      moved = false;
      for (auto it = spread.begin(); it != spread.end(); ++it) {
        const int j = *it;
        if (migration_done(v, v.type_of(j))) continue;
        if (!consolidate_in_place(v, j) && !move_to_new_nodes(v, j)) continue;
        moved = true;
        --budget;
        if (v.layout_of(j).front() ==
            baselines::best_layout(v.num_gpus_of(j), baselines::node_capacity(v.topology(), v.type_of(j))).front())
          spread.erase(it);
        break;
      }
    }
  }

  // _gandiva_job_grow_search: single-node jobs below a full node double on their own node while the
  // data-parallel throughput keeps rising.
  template <class Oracle>
  void grow(const snapshot<Oracle>& s, baselines::cluster_view& v, baselines::perf_cache<Oracle>& perf) {
    for (int j : baselines::running_jobs(v)) {
      const std::string type = v.type_of(j);
      const std::vector<node_id> nodes = v.nodes_of_job(j);
      const int n = v.num_gpus_of(j);
      if (nodes.size() != 1 || n >= baselines::node_capacity(v.topology(), type) || grown_.count(v.job_id(j))) continue;
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      const int room = v.free_gpus(nodes.front());
      int target = n;
      while (target * 2 <= room + n) {
        const double now_thr = perf.throughput(jb, type, {target}, true);
        const double next_thr = perf.throughput(jb, type, {target * 2}, true);
        // Infeasible now counts as -inf (any feasible doubling gains); infeasible next never gains.
        if (next_thr <= 0 || (now_thr > 0 && next_thr <= now_thr)) break;
        target *= 2;
      }
      if (target == n) continue;
      // Keep the GPUs it has and borrow the lowest-numbered idle ones of its node.
      const std::vector<gpu_id> initial = v.gpus_of(j);
      std::vector<gpu_id> gpus = initial;
      const node& nd = v.topology().node_at(nodes.front());
      for (int l = 0; l < nd.num_gpus && static_cast<int>(gpus.size()) < target; ++l)
        if (v.is_free(nd.first_gpu + l)) gpus.push_back(nd.first_gpu + l);
      if (static_cast<int>(gpus.size()) == target && v.assign(j, gpus)) grown_[v.job_id(j)] = initial;
    }
  }

  gandiva_options opts_;
  std::map<std::string, std::vector<gpu_id>> grown_;  ///< job id -> GPUs it held before growing
};

static_assert(policy<gandiva_policy, baselines::any_oracle>);

}  // namespace cellsched
