#pragma once
// The Crius scheduling policy (docs/ARCHITECTURE-schedule.md), reconstructed from
// the paper's artifact (GitHub sjtu-epcc/arena, branch ae-eurosys, scheduler.py):
// * each round: on departures (or failures) consolidate spread jobs, restart pending jobs in queue
//   order (a blocker may reclaim its opportunistic jobs' GPUs), then upgrade running jobs unless new
//   jobs arrived; on arrivals fit each new job in submission order, then upgrade;
// * fit one job: its preferred allocation at best locality, consolidating partly used nodes by
//   migration, else relaxed locality; failing that, a bounded breadth-first search over shrink and
//   type-change moves keeping the plan with the largest summed throughput gain;
// * a job that fits while earlier ones wait runs opportunistically; the earlier ones become blockers;
// * deadline mode (crius-ddl) accepts only allocations that can still meet the deadline and drops
//   pending jobs whose deadline has passed;
// * beyond the artifact (docs/energy-cost.md): gains may be samples per USD or per joule instead of
//   throughput (crius_options::objective), and a cluster power budget bounds every move.
// The policy keeps its decision queue and the jobs' quotas between calls; the snapshot is the truth
// about allocations. Decisions name exact GPU ids. Deterministic: no randomness is used.
#include <algorithm>
#include <concepts>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/hardware/power.hpp"
#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/options.hpp"
#include "cellsched/schedule/crius/rounds.hpp"
#include "cellsched/schedule/crius/table.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched {

class crius_policy {
 public:
  crius_policy() = default;
  explicit crius_policy(crius_options opts) : opts_(std::move(opts)) {}

  /// "crius" or "crius-ddl", with the objective appended when it is not throughput ("crius-energy") and
  /// "-budget" under a power budget.
  [[nodiscard]] std::string name() const {
    std::string n = opts_.deadline_aware ? "crius-ddl" : "crius";
    if (opts_.objective != allocation_objective::throughput) n.append("-").append(to_string(opts_.objective));
    if (opts_.power_budget_w > 0.0) n.append("-budget");
    return n;
  }
  [[nodiscard]] const crius_options& options() const noexcept { return opts_; }

  /// Restart hooks (schedule/policy_state.hpp): the running / pending / decision queues and every
  /// remembered job's quota and blocker / opportunism flags. Memoised oracle answers are a cache and
  /// are not saved; the topology view is rebuilt from the cluster.
  template <std::same_as<nlohmann::json> Json = nlohmann::json>  // a template: see policy_state.hpp
  [[nodiscard]] Json save_state() const {
    Json jobs = Json::object();
    for (const auto& [id, k] : known_)  // nlohmann::json objects keep keys sorted: the text is deterministic
      jobs[id] = {{"quota", {k.q.type, k.q.num, k.q.nodes, k.q.per_node}},
                  {"blocker", k.blocker},
                  {"opportunism", k.opportunism}};
    return {{"policy", name()},
            {"jobs", std::move(jobs)},
            {"running", running_},
            {"pending", pending_},
            {"decision_queue", decision_queue_}};
  }
  template <std::same_as<nlohmann::json> Json>
  void load_state(const Json& j, const cluster& c) {
    using policy_state_detail::get;
    policy_state_detail::expect_policy(j, name());
    crius_policy fresh(opts_);
    fresh.build_topology(c);
    const auto jobs = get<Json>(j, "jobs", name());
    if (!jobs.is_object()) throw policy_state_error(name() + " state: 'jobs' must be an object");
    for (const auto& [id, k] : jobs.items()) {
      const auto q = get<std::vector<int>>(k, "quota", name());
      if (q.size() != 4) throw policy_state_error(name() + " state: job '" + id + "': quota needs 4 numbers");
      fresh.known_[id] = {
          {q[0], q[1], q[2], q[3]}, get<bool>(k, "blocker", name()), get<bool>(k, "opportunism", name())};
    }
    fresh.running_ = get<std::vector<std::string>>(j, "running", name());
    fresh.pending_ = get<std::vector<std::string>>(j, "pending", name());
    fresh.decision_queue_ = get<std::vector<std::string>>(j, "decision_queue", name());
    for (const auto* list : {&fresh.running_, &fresh.pending_, &fresh.decision_queue_})
      for (const auto& id : *list)
        if (!fresh.known_.count(id)) throw policy_state_error(name() + " state: queued job '" + id + "' has no record");
    *this = std::move(fresh);
  }

  /// One call: load the snapshot into a fresh engine (its jobs, then the queues remembered from the last
  /// call reconciled with what the host reports), run the round, emit the decision, remember the queues.
  template <class Oracle>
  requires perf_oracle<Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    crius_detail::engine e = start_engine(s);
    std::unordered_map<std::string, int> index;  // job id -> engine index
    const std::vector<int> arrivals = load_jobs(e, s, index);
    const round_input in = reconcile_queues(e, s, index, arrivals);
    run_round(e, s, in);
    decision d = make_decision(e, s);
    remember(e, s);
    return d;
  }

 private:
  struct remembered {
    crius_detail::quota q;
    bool blocker = false;
    bool opportunism = false;
  };

  /// What changed since the last call, as the round needs it.
  struct round_input {
    std::vector<int> ended;         ///< ran at the last call, gone from the snapshot (finished, dropped)
    std::vector<int> host_stopped;  ///< ran at the last call, stopped by the host (node failure)
    std::vector<int> new_jobs;      ///< arrivals the host did not start itself
  };

  /// An engine bound to this call's snapshot; the topology view and the answer cache are rebuilt when the
  /// cluster or the oracle changed.
  template <class Oracle>
  [[nodiscard]] crius_detail::engine start_engine(const snapshot<Oracle>& s) {
    if (s.topology != cluster_ || tv_.node_type.size() != s.topology->nodes().size()) build_topology(*s.topology);
    // Answers are remembered per oracle, and per version of an oracle that learns (an online_oracle's
    // answers change as observations arrive).
    std::uint64_t version = 0;
    if constexpr (requires { s.oracle->version(); }) version = s.oracle->version();
    if (static_cast<const void*>(s.oracle) != oracle_seen_ || version != oracle_version_) {
      answer_cache_.clear();
      oracle_seen_ = s.oracle;
      oracle_version_ = version;
    }
    crius_detail::engine e;
    e.opt = &opts_;
    e.tv = &tv_;
    e.now_s = s.now_s;
    e.costs = s.costs;
    fill_power_and_prices(e, s);
    const Oracle* oracle = s.oracle;
    e.oracle = [oracle](const job& j, const std::string& type, const node_layout& layout) {
      return oracle->query(j, type, layout);
    };
    return e;
  }

  /// The snapshot's jobs (engine index = snapshot index), then remembered ones that left it (finished or
  /// dropped by the host); the committed table; quotas of arrivals. Returns the arrivals.
  template <class Oracle>
  [[nodiscard]] std::vector<int> load_jobs(crius_detail::engine& e, const snapshot<Oracle>& s,
                                           std::unordered_map<std::string, int>& index) {
    using crius_detail::job_entry;
    std::vector<int> arrivals;
    for (const auto& js : s.jobs) {
      const int i = static_cast<int>(e.jobs.size());
      index.emplace(js.spec->id, i);
      job_entry x;
      x.spec = js.spec;
      x.remaining_iterations = js.remaining_iterations;
      x.tune_debt_s = js.tune_debt_s;
      x.info_key = js.spec->model + "_" + std::to_string(js.spec->global_batch);
      x.answers = &answer_cache_[js.spec->id];
      auto it = known_.find(js.spec->id);
      if (it != known_.end()) {
        x.q = it->second.q;
        x.blocker = it->second.blocker;
        x.opportunism = it->second.opportunism;
      } else {
        arrivals.push_back(i);
      }
      e.jobs.push_back(std::move(x));
    }
    for (const auto* list : {&running_, &decision_queue_, &pending_}) {
      for (const auto& id : *list) {
        if (index.count(id)) continue;
        const remembered& k = known_.at(id);
        index.emplace(id, static_cast<int>(e.jobs.size()));
        job_entry x;
        x.q = k.q;
        x.blocker = k.blocker;
        x.opportunism = k.opportunism;
        e.jobs.push_back(std::move(x));
      }
    }
    build_table(e, s);
    for (int i : arrivals) e.jobs[static_cast<std::size_t>(i)].q = initial_quota(e, i);
    return arrivals;
  }

  /// The queues from the previous call, reconciled with what the host reports: ended jobs release their
  /// GPUs, jobs the host stopped return to the decision queue, jobs the host started are adopted.
  template <class Oracle>
  [[nodiscard]] round_input reconcile_queues(crius_detail::engine& e, const snapshot<Oracle>& s,
                                             const std::unordered_map<std::string, int>& index,
                                             const std::vector<int>& arrivals) const {
    using namespace crius_detail;
    const auto idx = [&](const std::string& id) { return index.at(id); };
    const auto in_snapshot = [&](int i) { return i < static_cast<int>(s.jobs.size()); };
    const auto running_now = [&](int i) {
      return in_snapshot(i) && s.jobs[static_cast<std::size_t>(i)].state == job_state::running;
    };
    round_input in;
    for (const auto& id : running_) {
      const int i = idx(id);
      e.jobs[static_cast<std::size_t>(i)].running = true;
      e.running_queue.push_back(i);
      if (!in_snapshot(i))
        in.ended.push_back(i);
      else if (!running_now(i))
        in.host_stopped.push_back(i);
    }
    for (const auto& id : pending_) {
      const int i = idx(id);
      if (in_snapshot(i)) e.pending_queue.push_back(i);
    }
    for (const auto& id : decision_queue_) {
      const int i = idx(id);
      if (in_snapshot(i) || contains(in.ended, i)) e.decision_queue.push_back(i);
    }
    for (int i : in.ended) release_job(e, i);
    for (int i : in.host_stopped) {
      const bool queued = contains(e.decision_queue, i);
      suspend_job(e, i);
      e.suspended.pop_back();  // the host stopped it; nothing to report
      if (!queued) enqueue_by_priority(e, i);
    }
    // Jobs the host started on its own are adopted as running.
    for (int i : std::vector<int>(e.pending_queue)) {
      if (!running_now(i)) continue;
      erase_value(e.pending_queue, i);
      erase_value(e.decision_queue, i);
      e.jobs[static_cast<std::size_t>(i)].running = true;
      e.running_queue.push_back(i);
    }
    for (int i : arrivals) {
      if (running_now(i)) {
        e.jobs[static_cast<std::size_t>(i)].running = true;
        e.running_queue.push_back(i);
      } else {
        in.new_jobs.push_back(i);
      }
    }
    e.update_running_quotas();
    return in;
  }

  /// The round itself (crius/rounds.hpp): on departures or cluster changes consolidate and restart, fit
  /// arrivals, then (crius-ddl) drop jobs whose deadline has passed.
  template <class Oracle>
  void run_round(crius_detail::engine& e, const snapshot<Oracle>& s, const round_input& in) const {
    using namespace crius_detail;
    bool cluster_changed = !in.host_stopped.empty();
    for (const auto& ev : s.events)
      cluster_changed = cluster_changed || ev.kind == event_kind::node_failure || ev.kind == event_kind::node_repair;
    if (!in.ended.empty() || cluster_changed) optimize_running_jobs(e, in.new_jobs.empty());
    if (!in.new_jobs.empty()) fit_new_jobs(e, in.new_jobs);
    if (opts_.deadline_aware) drop_timed_out(e);
  }

  /// Each type's power and price for the objective and the power budget, and which nodes are up.
  template <class Oracle>
  void fill_power_and_prices(crius_detail::engine& e, const snapshot<Oracle>& s) const {
    for (const auto& name : tv_.type_names) {
      const gpu_type* t = s.topology->catalog().find(name);
      e.types.push_back(t);
      e.type_tdp_w.push_back(t ? t->tdp_w : 0.0);
      e.type_idle_w.push_back(t ? idle_power_w(*t) : 0.0);
      double usd = 0.0;
      for (const auto& [type, price] : opts_.usd_per_gpu_hour)
        if (type == name) usd = price;
      e.type_usd_per_gpu_hour.push_back(usd);
    }
    for (const auto& n : s.nodes) e.node_up.push_back(n.up ? 1 : 0);
  }

  void build_topology(const cluster& c) {
    using crius_detail::topology_view;
    cluster_ = &c;
    tv_ = topology_view{};
    tv_.type_names = c.gpu_types_present();
    for (const auto& t : tv_.type_names) tv_.type_cap.push_back(c.max_gpus_per_node(t));
    for (const auto& n : c.nodes()) {
      tv_.node_type.push_back(type_index(n.gpu_type));
      tv_.node_first.push_back(n.first_gpu);
      tv_.node_size.push_back(n.num_gpus);
    }
    for (const auto& name : opts_.gpu_type_order) {
      const gpu_type* g = c.catalog().find(name);
      const int t = type_index(g ? g->name : name);
      if (t >= 0 && !crius_detail::contains(tv_.type_order, t)) tv_.type_order.push_back(t);
    }
    for (int t = 0; t < static_cast<int>(tv_.type_names.size()); ++t)
      if (!crius_detail::contains(tv_.type_order, t)) tv_.type_order.push_back(t);
    known_.clear();
    running_.clear();
    pending_.clear();
    decision_queue_.clear();
    answer_cache_.clear();
  }
  [[nodiscard]] int type_index(const std::string& name) const {
    for (std::size_t i = 0; i < tv_.type_names.size(); ++i)
      if (tv_.type_names[i] == name) return static_cast<int>(i);
    return -1;
  }

  template <class Oracle>
  void build_table(crius_detail::engine& e, const snapshot<Oracle>& s) const {
    using namespace crius_detail;
    e.committed.assign(static_cast<std::size_t>(s.topology->total_gpus()), slot{});
    for (std::size_t n = 0; n < s.nodes.size() && n < tv_.node_first.size(); ++n) {
      const int first = tv_.node_first[n];
      for (int k = 0; k < tv_.node_size[n]; ++k) {
        const bool busy = !s.nodes[n].up || (static_cast<std::size_t>(k) < s.nodes[n].gpu_busy.size() &&
                                             s.nodes[n].gpu_busy[static_cast<std::size_t>(k)]);
        if (busy) e.committed[static_cast<std::size_t>(first + k)] = slot{down_owner, false};
      }
    }
    for (std::size_t i = 0; i < s.jobs.size(); ++i) {
      if (s.jobs[i].state != job_state::running || !s.jobs[i].alloc) continue;
      for (gpu_id g : s.jobs[i].alloc->gpus)
        if (g >= 0 && g < s.topology->total_gpus())
          e.committed[static_cast<std::size_t>(g)] = slot{static_cast<int>(i), false};
    }
  }

  /// A new job asks for its requested type and count at best locality; without a usable request, the
  /// first type (in search order) where its count is feasible.
  [[nodiscard]] crius_detail::quota initial_quota(const crius_detail::engine& e, int i) const {
    const job& j = *e.jobs[static_cast<std::size_t>(i)].spec;
    int type = -1;
    if (j.requested_gpu_type) {
      type = type_index(*j.requested_gpu_type);
      if (type < 0)
        if (const gpu_type* g = cluster_->catalog().find(*j.requested_gpu_type)) type = type_index(g->name);
    }
    const int num = j.requested_gpus > 0 ? j.requested_gpus : 1;
    if (type < 0) {
      for (int t : tv_.type_order) {
        const crius_detail::quota q = crius_detail::best_locality(t, num, e.cap(t));
        if (e.ask(i, t, q.nodes, q.per_node).feasible) {
          type = t;
          break;
        }
      }
      if (type < 0) type = tv_.type_order.empty() ? 0 : tv_.type_order.front();
    }
    return crius_detail::best_locality(type, num, e.cap(type));
  }

  /// A job the host re-queued (its node failed) joins the decision queue at its submission position.
  static void enqueue_by_priority(crius_detail::engine& e, int i) {
    const double t = e.jobs[static_cast<std::size_t>(i)].spec->submit_time_s;
    auto pos = e.decision_queue.begin();
    while (pos != e.decision_queue.end() && e.jobs[static_cast<std::size_t>(*pos)].spec &&
           e.jobs[static_cast<std::size_t>(*pos)].spec->submit_time_s <= t)
      ++pos;
    bool opportunistic_after = false;
    for (auto it = pos; it != e.decision_queue.end(); ++it)
      opportunistic_after = opportunistic_after || e.jobs[static_cast<std::size_t>(*it)].opportunism;
    e.jobs[static_cast<std::size_t>(i)].blocker = opportunistic_after;
    e.decision_queue.insert(pos, i);
  }

  template <class Oracle>
  [[nodiscard]] decision make_decision(const crius_detail::engine& e, const snapshot<Oracle>& s) const {
    using namespace crius_detail;
    decision d;
    std::vector<std::vector<gpu_id>> gpus(s.jobs.size());
    for (std::size_t g = 0; g < e.committed.size(); ++g) {
      const int o = e.committed[g].owner;
      if (o >= 0 && o < static_cast<int>(s.jobs.size()))
        gpus[static_cast<std::size_t>(o)].push_back(static_cast<gpu_id>(g));
    }
    for (std::size_t i = 0; i < s.jobs.size(); ++i) {
      const job_status& js = s.jobs[i];
      const job_entry& x = e.jobs[i];
      const bool was_running = js.state == job_state::running;
      const bool restarted = contains(e.suspended, static_cast<int>(i));
      if (was_running && (!x.running || restarted)) d.preempt.push_back(js.spec->id);
      if (!x.running || gpus[i].empty()) continue;
      if (was_running && !restarted && js.alloc && js.alloc->gpus == gpus[i]) continue;
      placement p;
      p.job_id = js.spec->id;
      p.opportunistic = x.opportunism;
      p.alloc.gpus = gpus[i];
      std::map<node_id, int> per_node;
      for (gpu_id g : gpus[i]) ++per_node[s.topology->node_of(g)];
      for (const auto& [n, c] : per_node) p.alloc.layout.push_back(c);
      std::sort(p.alloc.layout.begin(), p.alloc.layout.end(), std::greater<>());
      p.alloc.gpu_type = s.topology->node_at(per_node.begin()->first).gpu_type;
      p.chosen_plan = s.oracle->query(*js.spec, p.alloc.gpu_type, p.alloc.layout).best_plan;
      d.run.push_back(std::move(p));
    }
    for (int i : e.dropped)
      d.dropped.push_back({e.jobs[static_cast<std::size_t>(i)].spec->id, "its deadline can no longer be met"});
    return d;
  }

  template <class Oracle>
  void remember(const crius_detail::engine& e, const snapshot<Oracle>& s) {
    const auto id_of = [&](int i) { return s.jobs[static_cast<std::size_t>(i)].spec->id; };
    known_.clear();
    for (std::size_t i = 0; i < s.jobs.size(); ++i) {
      if (crius_detail::contains(e.dropped, static_cast<int>(i))) continue;
      const auto& x = e.jobs[i];
      known_[s.jobs[i].spec->id] = {x.q, x.blocker, x.opportunism};
    }
    for (auto it = answer_cache_.begin(); it != answer_cache_.end();) {
      if (known_.count(it->first))
        ++it;
      else
        it = answer_cache_.erase(it);
    }
    running_.clear();
    pending_.clear();
    decision_queue_.clear();
    for (int i : e.running_queue) running_.push_back(id_of(i));
    for (int i : e.pending_queue) pending_.push_back(id_of(i));
    for (int i : e.decision_queue) decision_queue_.push_back(id_of(i));
  }

  crius_options opts_;
  const cluster* cluster_ = nullptr;
  crius_detail::topology_view tv_;
  std::unordered_map<std::string, remembered> known_;
  /// Oracle answers per job id, kept across calls (an oracle's answers do not change with time).
  std::unordered_map<std::string, std::unordered_map<std::uint32_t, crius_detail::oracle_answer>> answer_cache_;
  const void* oracle_seen_ = nullptr;
  std::uint64_t oracle_version_ = 0;
  std::vector<std::string> running_;
  std::vector<std::string> pending_;
  std::vector<std::string> decision_queue_;
};

namespace crius_detail {
/// Any type with this query models perf_oracle; used to check the policy concept below.
struct oracle_shape {
  [[nodiscard]] perf_answer query(const job&, const std::string&, const node_layout&) const;
};
}  // namespace crius_detail
static_assert(policy<crius_policy, crius_detail::oracle_shape>);

}  // namespace cellsched
