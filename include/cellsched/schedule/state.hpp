#pragma once
// Scheduler state a host (or the simulator) can keep: every submitted job in exactly one state, the
// owner of every GPU, which nodes are up. It applies a policy's decision after checking it, fails and
// repairs nodes, and builds the snapshot the policy reads.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/error.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched {

struct job_record {
  job spec;
  job_state state = job_state::pending;
  std::optional<allocation> alloc;  ///< while running
  std::optional<plan> current_plan;
  std::int64_t remaining_iterations = 0;
  bool opportunistic = false;
  double queued_s = 0.0;
  double tune_debt_s = 0.0;
  double finish_time_s = -1.0;  ///< when it was seen finished (finished jobs)
  std::string drop_reason;      ///< dropped jobs
  /// Progress accounting kept by whoever runs the jobs: the remaining iterations at the last (re)start
  /// and the execution seconds credited since then (the reference simulator re-credits all of them at
  /// the current speed each round).
  std::int64_t base_iterations = 0;
  double exec_s = 0.0;
  int restarts = 0;  ///< preemptions and failures survived
};

/// What apply() did, by job id.
struct apply_report {
  std::vector<std::string> started;    ///< pending -> running
  std::vector<std::string> moved;      ///< running, on a different GPU set
  std::vector<std::string> preempted;  ///< running -> pending (a job also in `run` restarts at once)
  std::vector<std::string> dropped;
};

class scheduler_state {
 public:
  explicit scheduler_state(const cluster& topology) : cluster_(&topology) {
    gpu_owner_.assign(static_cast<std::size_t>(topology.total_gpus()), -1);
    for (const auto& n : topology.nodes()) {
      node_status s;
      s.id = n.id;
      s.gpu_busy.assign(static_cast<std::size_t>(n.num_gpus), false);
      nodes_.push_back(std::move(s));
    }
  }

  [[nodiscard]] const cluster& topology() const noexcept { return *cluster_; }
  [[nodiscard]] const std::deque<job_record>& jobs() const noexcept { return jobs_; }
  [[nodiscard]] const std::vector<node_status>& nodes() const noexcept { return nodes_; }

  [[nodiscard]] const job_record* find(const std::string& id) const {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &jobs_[it->second];
  }
  [[nodiscard]] job_record* find(const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &jobs_[it->second];
  }
  [[nodiscard]] std::size_t count(job_state s) const {
    return static_cast<std::size_t>(
        std::count_if(jobs_.begin(), jobs_.end(), [&](const job_record& r) { return r.state == s; }));
  }
  [[nodiscard]] int busy_gpus() const {
    return static_cast<int>(std::count_if(gpu_owner_.begin(), gpu_owner_.end(), [](int o) { return o >= 0; }));
  }
  /// The job holding a GPU, or nullptr.
  [[nodiscard]] const job_record* owner_of(gpu_id g) const {
    const int o = gpu_owner_.at(static_cast<std::size_t>(g));
    return o < 0 ? nullptr : &jobs_[static_cast<std::size_t>(o)];
  }

  /// A new job, pending, with all its iterations to run. Ids must be unique.
  job_record& submit(job j) {
    if (index_.count(j.id)) throw std::invalid_argument("scheduler_state: job id '" + j.id + "' submitted twice");
    job_record r;
    r.remaining_iterations = j.iterations;
    r.base_iterations = j.iterations;
    r.spec = std::move(j);
    index_.emplace(r.spec.id, jobs_.size());
    jobs_.push_back(std::move(r));
    return jobs_.back();
  }

  /// A running job completed: its GPUs are released.
  void finish(const std::string& id, double now_s) {
    job_record& r = require(id, "finish");
    if (r.state != job_state::running)
      throw internal_error("scheduler_state: finishing job '" + id + "' that is not running");
    release(r);
    r.state = job_state::finished;
    r.remaining_iterations = 0;
    r.finish_time_s = now_s;
  }

  /// A node went down: every job with a GPU on it returns to pending and keeps the iterations it
  /// completed. Returns those jobs' ids.
  std::vector<std::string> fail_node(node_id n) {
    node_status& ns = nodes_.at(static_cast<std::size_t>(n));
    std::vector<std::string> requeued;
    const node& nd = cluster_->node_at(n);
    for (int k = 0; k < nd.num_gpus; ++k) {
      const int o = gpu_owner_[static_cast<std::size_t>(nd.first_gpu + k)];
      if (o < 0) continue;
      job_record& r = jobs_[static_cast<std::size_t>(o)];
      if (r.state != job_state::running) continue;
      requeued.push_back(r.spec.id);
      stop(r);
    }
    ns.up = false;
    return requeued;
  }
  void repair_node(node_id n) { nodes_.at(static_cast<std::size_t>(n)).up = true; }

  /// A running job crashed (or was stopped by the host): it returns to pending with the iterations it
  /// completed, as after a node failure.
  void requeue(const std::string& id) {
    job_record& r = require(id, "requeue");
    if (r.state != job_state::running)
      throw internal_error("scheduler_state: requeueing job '" + id + "' that is not running");
    stop(r);
  }

  /// Rebuilding a saved state (io/state_json.hpp): marks a node down without touching jobs. Call it
  /// before restore() of the records, so a record holding GPUs of a down node is refused.
  void restore_node(node_id n, bool up) { nodes_.at(static_cast<std::size_t>(n)).up = up; }

  /// Rebuilding a saved state: adds a record exactly as given (any state; a running one claims its GPUs).
  /// Throws std::invalid_argument when the id is taken, the running/allocation pairing is wrong, or the
  /// allocation is invalid or overlaps another job's GPUs; the state is unchanged then.
  job_record& restore(job_record r) {
    const std::string& id = r.spec.id;
    if (index_.count(id)) throw std::invalid_argument("scheduler_state: job id '" + id + "' restored twice");
    if ((r.state == job_state::running) != r.alloc.has_value())
      throw std::invalid_argument("scheduler_state: job '" + id + "' is " + to_string(r.state) +
                                  (r.alloc ? " but holds GPUs" : " without GPUs"));
    if (r.alloc) {
      const auto errors = check_allocation(*r.alloc);
      if (!errors.empty()) throw std::invalid_argument("scheduler_state: job '" + id + "': " + errors.front());
      for (gpu_id g : r.alloc->gpus)
        if (gpu_owner_[static_cast<std::size_t>(g)] >= 0)
          throw std::invalid_argument("scheduler_state: job '" + id + "' claims GPU " + std::to_string(g) +
                                      " held by another job");
    }
    const int idx = static_cast<int>(jobs_.size());
    index_.emplace(id, jobs_.size());
    jobs_.push_back(std::move(r));
    if (jobs_.back().alloc)
      for (gpu_id g : jobs_.back().alloc->gpus) set_busy(g, idx);
    return jobs_.back();
  }

  /// Every way a decision is wrong: unknown or finished jobs, GPUs given twice, on a down node, of
  /// another type, a layout that does not match the GPUs, a preempted job that is not running.
  [[nodiscard]] std::vector<std::string> validate(const decision& d) const {
    std::vector<std::string> errors;
    std::map<std::string, int> in_run;
    std::vector<int> final_owner = gpu_owner_;
    std::map<std::string, bool> preempted;
    for (const auto& id : d.preempt) {
      const job_record* r = find(id);
      if (!r)
        errors.push_back("preempt: unknown job '" + id + "'");
      else if (r->state != job_state::running)
        errors.push_back("preempt: job '" + id + "' is not running");
      else if (preempted.count(id))
        errors.push_back("preempt: job '" + id + "' listed twice");
      else {
        preempted[id] = true;
        clear_owner(final_owner, index_.at(id));
      }
    }
    for (const auto& dj : d.dropped) {
      const job_record* r = find(dj.job_id);
      if (!r)
        errors.push_back("dropped: unknown job '" + dj.job_id + "'");
      else if (r->state != job_state::pending && r->state != job_state::running)
        errors.push_back("dropped: job '" + dj.job_id + "' is " + to_string(r->state));
      else
        clear_owner(final_owner, index_.at(dj.job_id));
    }
    for (const auto& p : d.run) {
      const job_record* r = find(p.job_id);
      if (!r) {
        errors.push_back("run: unknown job '" + p.job_id + "'");
        continue;
      }
      if (r->state != job_state::pending && r->state != job_state::running)
        errors.push_back("run: job '" + p.job_id + "' is " + to_string(r->state));
      if (++in_run[p.job_id] > 1) errors.push_back("run: job '" + p.job_id + "' listed twice");
      clear_owner(final_owner, index_.at(p.job_id));
    }
    for (const auto& p : d.run) {
      const auto it = index_.find(p.job_id);
      if (it == index_.end()) continue;
      for (auto& e : check_allocation(p.alloc)) errors.push_back("run: job '" + p.job_id + "': " + e);
      for (gpu_id g : p.alloc.gpus) {
        if (g < 0 || g >= cluster_->total_gpus()) continue;
        int& o = final_owner[static_cast<std::size_t>(g)];
        if (o >= 0 && o != static_cast<int>(it->second))
          errors.push_back("run: GPU " + std::to_string(g) + " given to '" + p.job_id + "' is held by '" +
                           jobs_[static_cast<std::size_t>(o)].spec.id + "'");
        o = static_cast<int>(it->second);
      }
    }
    return errors;
  }

  /// Applies a decision after validate(); throws internal_error listing the violations instead.
  /// Order: drops, preemptions (the job keeps the iterations it completed), then placements.
  apply_report apply(const decision& d) {
    const auto errors = validate(d);
    if (!errors.empty()) {
      std::string msg = "invalid decision:";
      for (const auto& e : errors) msg += "\n  " + e;
      throw internal_error(msg);
    }
    apply_report rep;
    for (const auto& dj : d.dropped) {
      job_record& r = require(dj.job_id, "drop");
      if (r.state == job_state::running) release(r);
      r.state = job_state::dropped;
      r.drop_reason = dj.reason;
      rep.dropped.push_back(dj.job_id);
    }
    for (const auto& id : d.preempt) {
      stop(require(id, "preempt"));
      rep.preempted.push_back(id);
    }
    // Two passes over the placements: every moved job lets go of its old GPUs before any job claims
    // new ones, so a decision that swaps GPUs between running jobs never loses an owner entry.
    std::vector<char> moved(d.run.size(), 0);
    for (std::size_t i = 0; i < d.run.size(); ++i) {
      const placement& p = d.run[i];
      job_record& r = require(p.job_id, "run");
      if (r.state != job_state::running) continue;
      if (r.alloc && r.alloc->gpus == p.alloc.gpus && r.alloc->gpu_type == p.alloc.gpu_type) continue;
      release(r);
      moved[i] = 1;
    }
    for (std::size_t i = 0; i < d.run.size(); ++i) {
      const placement& p = d.run[i];
      job_record& r = require(p.job_id, "run");
      if (r.state == job_state::running && !moved[i]) {  // same GPUs: only the plan may change
        r.current_plan = p.chosen_plan;
        r.opportunistic = p.opportunistic;
        continue;
      }
      r.state = job_state::running;
      r.alloc = p.alloc;
      r.current_plan = p.chosen_plan;
      r.opportunistic = p.opportunistic;
      const int idx = static_cast<int>(index_.at(p.job_id));
      for (gpu_id g : p.alloc.gpus) set_busy(g, idx);
      (moved[i] ? rep.moved : rep.started).push_back(p.job_id);
    }
    return rep;
  }

  /// Invariant violations (empty when sound): no GPU held twice or by a job that is not running, GPUs
  /// match each running job's allocation, type and layout, no GPU of a down node in use, every
  /// submitted job in exactly one state with an allocation iff running.
  [[nodiscard]] std::vector<std::string> check_invariants() const {
    std::vector<std::string> v;
    std::vector<int> seen(gpu_owner_.size(), -1);
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      const job_record& r = jobs_[i];
      const auto it = index_.find(r.spec.id);
      if (it == index_.end() || it->second != i) v.push_back("job '" + r.spec.id + "' missing from the index");
      if ((r.state == job_state::running) != r.alloc.has_value())
        v.push_back("job '" + r.spec.id + "' is " + to_string(r.state) +
                    (r.alloc ? " but holds GPUs" : " without GPUs"));
      if (r.remaining_iterations < 0 || r.remaining_iterations > r.spec.iterations)
        v.push_back("job '" + r.spec.id + "' has " + std::to_string(r.remaining_iterations) + " iterations left");
      if (!r.alloc) continue;
      for (auto& e : check_allocation(*r.alloc)) v.push_back("job '" + r.spec.id + "': " + e);
      for (gpu_id g : r.alloc->gpus) {
        if (g < 0 || g >= cluster_->total_gpus()) continue;
        const auto gi = static_cast<std::size_t>(g);
        if (seen[gi] >= 0) v.push_back("GPU " + std::to_string(g) + " held by two jobs");
        seen[gi] = static_cast<int>(i);
        if (gpu_owner_[gi] != static_cast<int>(i)) v.push_back("GPU " + std::to_string(g) + " owner table disagrees");
      }
    }
    for (std::size_t g = 0; g < gpu_owner_.size(); ++g) {
      if (gpu_owner_[g] >= 0 && seen[g] != gpu_owner_[g])
        v.push_back("GPU " + std::to_string(g) + " marked busy for a job that does not hold it");
      const node& n = cluster_->node_at(cluster_->node_of(static_cast<gpu_id>(g)));
      const bool busy = nodes_[static_cast<std::size_t>(n.id)].gpu_busy[g - static_cast<std::size_t>(n.first_gpu)];
      if (busy != (gpu_owner_[g] >= 0)) v.push_back("GPU " + std::to_string(g) + " busy flag disagrees");
    }
    return v;
  }

  /// The policy's view: every submitted job not finished or dropped, in submission order.
  template <class Oracle>
  [[nodiscard]] snapshot<Oracle> make_snapshot(double now_s, const Oracle& oracle, cost_options costs,
                                               std::vector<event> events, std::uint64_t seed = 0) const {
    snapshot<Oracle> s;
    s.now_s = now_s;
    s.topology = cluster_;
    s.nodes = nodes_;
    s.events = std::move(events);
    s.oracle = &oracle;
    s.costs = costs;
    s.seed = seed;
    for (const auto& r : jobs_) {
      if (r.state != job_state::pending && r.state != job_state::running) continue;
      job_status st;
      st.spec = &r.spec;
      st.state = r.state;
      st.alloc = r.alloc;
      st.current_plan = r.current_plan;
      st.remaining_iterations = r.remaining_iterations;
      st.opportunistic = r.opportunistic;
      st.queued_s = r.queued_s;
      st.tune_debt_s = r.tune_debt_s;
      s.jobs.push_back(std::move(st));
    }
    return s;
  }

 private:
  job_record& require(const std::string& id, const char* what) {
    job_record* r = find(id);
    if (!r) throw internal_error(std::string("scheduler_state: ") + what + ": unknown job '" + id + "'");
    return *r;
  }
  void set_busy(gpu_id g, int owner) {
    gpu_owner_[static_cast<std::size_t>(g)] = owner;
    const node& n = cluster_->node_at(cluster_->node_of(g));
    nodes_[static_cast<std::size_t>(n.id)].gpu_busy[static_cast<std::size_t>(g - n.first_gpu)] = owner >= 0;
  }
  void release(job_record& r) {
    if (r.alloc)
      for (gpu_id g : r.alloc->gpus) set_busy(g, -1);
    r.alloc.reset();
  }
  /// Running -> pending, keeping the iterations completed so far.
  void stop(job_record& r) {
    release(r);
    r.state = job_state::pending;
    r.opportunistic = false;
    r.base_iterations = r.remaining_iterations;
    r.exec_s = 0.0;
    r.tune_debt_s = 0.0;
    ++r.restarts;
  }
  void clear_owner(std::vector<int>& owner, std::size_t job_index) const {
    const job_record& r = jobs_[job_index];
    if (!r.alloc) return;
    for (gpu_id g : r.alloc->gpus)
      if (g >= 0 && g < cluster_->total_gpus()) owner[static_cast<std::size_t>(g)] = -1;
  }
  /// GPUs valid, distinct and sorted, on up nodes of the allocation's type, per-node counts = layout.
  [[nodiscard]] std::vector<std::string> check_allocation(const allocation& a) const {
    std::vector<std::string> e;
    if (a.gpus.empty()) e.push_back("empty allocation");
    std::map<node_id, int> per_node;
    for (std::size_t i = 0; i < a.gpus.size(); ++i) {
      const gpu_id g = a.gpus[i];
      if (g < 0 || g >= cluster_->total_gpus()) {
        e.push_back("GPU id " + std::to_string(g) + " out of range");
        continue;
      }
      if (i > 0 && a.gpus[i - 1] >= g) e.push_back("GPU ids not sorted and distinct");
      const node_id n = cluster_->node_of(g);
      ++per_node[n];
      if (cluster_->node_at(n).gpu_type != a.gpu_type)
        e.push_back("GPU " + std::to_string(g) + " is " + cluster_->node_at(n).gpu_type + ", not " + a.gpu_type);
      if (!nodes_[static_cast<std::size_t>(n)].up) e.push_back("GPU " + std::to_string(g) + " is on a down node");
    }
    node_layout counts;
    for (const auto& [n, c] : per_node) counts.push_back(c);
    std::sort(counts.begin(), counts.end(), std::greater<>());
    node_layout want = a.layout;
    std::sort(want.begin(), want.end(), std::greater<>());
    if (counts != want) e.push_back("layout does not match the GPUs' nodes");
    return e;
  }

  const cluster* cluster_;
  std::deque<job_record> jobs_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<node_status> nodes_;
  std::vector<int> gpu_owner_;  ///< index into jobs_, -1 = free
};

}  // namespace cellsched
