#pragma once
// The trace-driven simulator: replays jobs on a cluster under any `policy`, with the reference
// simulator's accounting (docs/reference-simulator.md §3):
// * arrivals in windows of one round: round 0 takes jobs with t <= T0 + R, round k jobs with
//   T0 + Rk < t <= T0 + R(k+1); a job's recorded submission is its window's start; jobs are read by
//   time or in the trace's own order (sim_options::order, sim/arrival_order.hpp);
// * at the start of each round every running job without re-tuning debt gets exec += R and
//   remaining = iterations at (re)start - floor(exec / iteration time at the current allocation),
//   so the whole accumulated time is re-credited at the current speed; remaining <= 0 finishes it;
// * the policy decides (its wall time is recorded), the decision is checked and applied;
// * jobs pending at the end of a round accrue R of queueing time;
// * cluster throughput = sum of running jobs' samples/s, a job placed on new GPUs this round discounted
//   by its re-tuning time (tune <= R: x (R - tune)/R; else 0 and a debt of tune - R carried on).
// With `opts.faults` (sim/fault_injection.hpp) each round starts with an injected scheduler restart
// (if one is due), node failures and repairs, then job crashes, and ends with the checks of
// sim/fault_checks.hpp; the run's `faults` counts them.
// Every job's allocations (type, count, layout, plan, rounds), preemptions and, when it did not finish,
// the reason are recorded in the run's `jobs`; the cluster's power, energy and cost every round and each
// job's energy and cost (sim/energy_meter.hpp), with a power budget checked every round.
//
// The run is one object (detail::sim_engine) whose member functions are the steps of a round, in order:
// inject_faults, progress, arrivals, decide_and_apply, record_allocations, account.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/adapt/observation.hpp"
#include "cellsched/cell/enumerate.hpp"
#include "cellsched/detail/reference_arith.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"
#include "cellsched/schedule/state.hpp"
#include "cellsched/search/plan_text.hpp"
#include "cellsched/sim/arrival_order.hpp"
#include "cellsched/sim/energy_meter.hpp"
#include "cellsched/sim/fault_checks.hpp"
#include "cellsched/sim/fault_injection.hpp"
#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

namespace detail {

[[nodiscard]] inline bool gains_new_gpu(const std::vector<gpu_id>& before, const std::vector<gpu_id>& after) {
  for (gpu_id g : after)
    if (!std::binary_search(before.begin(), before.end(), g)) return true;
  return false;
}

}  // namespace detail


namespace detail {

/// Why `j` cannot run anywhere on `topology` according to `oracle`, or "" when some GPU type and count
/// (powers of two up to the type's GPUs, at best locality) gives it a feasible plan.
template <class Oracle>
[[nodiscard]] std::string unplaceable_reason(const job& j, const cluster& topology, const Oracle& oracle) {
  std::string why;
  for (const auto& type : topology.gpu_types_present()) {
    const std::vector<int> caps = node_capacities(topology, type);
    std::string last;
    for (int n = 1; n <= topology.total_gpus_of(type); n *= 2) {
      for (const auto& layout : layouts_for(caps, n, layout_policy::fewest_nodes)) {
        const perf_answer a = oracle.query(j, type, layout);
        if (a.feasible) return "";
        if (!a.reason.empty()) last = a.reason;
      }
    }
    why += (why.empty() ? "" : "; ") + type + ": " + (last.empty() ? "no feasible plan" : last);
  }
  return why.empty() ? "the cluster has no GPUs" : "no GPU type of the cluster can run it (" + why + ")";
}

/// One simulation run; each member function is one step of a round (see the file comment). `Belief` is
/// what the policy asks (its snapshot's oracle), `Truth` what jobs run at (progress, throughput); in an
/// open-loop run they are one object. A closed-loop run (distinct objects) reports every running job's
/// true iteration time to the belief each round (observe(), when the belief has one) and records the
/// belief's error.
template <class Belief, class Truth, class Policy>
class sim_engine {
 public:
  using Oracle = std::remove_const_t<Belief>;
  sim_engine(const cluster& topology, std::vector<job> trace, Belief& belief, Truth& truth, Policy& pol,
             const cost_options& costs, const sim_options& opts)
      : topology_(topology),
        trace_(std::move(trace)),
        oracle_(belief),
        truth_(truth),
        closed_loop_(static_cast<const void*>(&belief) != static_cast<const void*>(&truth)),
        pol_(pol),
        costs_(costs),
        opts_(opts),
        R_(opts.round_s),
        check_(faults_),
        state_(topology),
        meter_(topology, opts.energy) {
    order_trace(trace_, opts.order);
    arrival_ = arrival_rounds(trace_, R_);
    run_.policy = pol_.name();
    run_.round_s = R_;
    run_.total_gpus = topology.total_gpus();
    run_.start_s = trace_.empty() ? 0.0 : trace_.front().submit_time_s;
    failures_ = opts.failures;
    checkpoint_s_ = opts.faults ? opts.faults->checkpoint_interval_s : 0.0;
    if (opts.faults) {
      const auto injected =
          node_fault_schedule(topology, *opts.faults, run_.start_s, run_.start_s + R_ * opts.rounds);
      failures_.insert(failures_.end(), injected.begin(), injected.end());
      restart_rounds_ = scheduler_restart_rounds(*opts.faults, opts.rounds, R_);
      if constexpr (!restartable_policy<Policy>)
        if (!restart_rounds_.empty())
          throw std::invalid_argument("simulate: scheduler restarts need a restartable_policy; " + run_.policy +
                                      " is not one");
    }
    std::stable_sort(failures_.begin(), failures_.end(),
                     [](const failure_event& a, const failure_event& b) { return a.time_s < b.time_s; });
  }

  [[nodiscard]] sim_run run() {
    using clock = std::chrono::steady_clock;
    const auto wall_start = clock::now();
    run_.stop_reason = "rounds";
    for (int k = 0; k < opts_.rounds; ++k) {
      const double now = run_.start_s + R_ * k;
      std::vector<event> events = std::move(carry_events_);
      carry_events_.clear();
      if constexpr (requires { truth_.at_round(k); }) truth_.at_round(k);
      inject_faults(k, now, events);
      progress(now, events);
      arrivals(k, now, events);
      const apply_report rep = decide_and_apply(now, std::move(events));
      record_allocations(k, now);
      account(rep);
      if (closed_loop_) report_observations(k, now);
      if (opts_.faults) check_.check(state_, k);
      const bool last = k + 1 == opts_.rounds;
      const char* stop = last ? nullptr : stop_reason(rep);
      if (opts_.on_progress &&
          ((k + 1) % std::max(1, opts_.progress_every) == 0 || last || stop != nullptr)) {
        sim_progress p;
        p.policy = run_.policy;
        p.round = k + 1;
        p.rounds = stop ? k + 1 : opts_.rounds;
        p.running = state_.count(job_state::running);
        p.pending = state_.count(job_state::pending);
        p.finished = finished_;
        p.elapsed_s = std::chrono::duration<double>(clock::now() - wall_start).count();
        opts_.on_progress(p);
      }
      if (stop) {
        run_.stop_reason = stop;
        break;
      }
    }
    finish_outcomes();
    run_.unsubmitted = trace_.size() - next_job_;
    if (opts_.faults) {
      check_.finish(state_);
      run_.faults = faults_;
    }
    run_.wall_s = std::chrono::duration<double>(clock::now() - wall_start).count();
    return std::move(run_);
  }

 private:
  // remaining = iterations at the last (re)start - floor(exec / iteration time now); returns it unclamped.
  std::int64_t credit(job_record& r) {
    const perf_answer a = truth_.query(r.spec, r.alloc->gpu_type, r.alloc->layout);
    if (!a.feasible || !(a.iter_time_s > 0)) return r.remaining_iterations;
    const auto left =
        r.base_iterations - static_cast<std::int64_t>(cellsched::detail::floor_div(r.exec_s, a.iter_time_s));
    r.remaining_iterations = std::clamp<std::int64_t>(left, 0, r.spec.iterations);
    return left;
  }

  void finish_job(const std::string& id, double now, std::vector<event>& events) {
    state_.finish(id, now);
    run_.finished_jct_s.push_back(now - state_.find(id)->spec.submit_time_s);
    ++finished_;
    events.push_back({event_kind::departure, id, -1});
  }

  // A fault stops running job `id` after it ran `ran_s` of the round: it keeps the work up to its last
  // checkpoint, finishes if that completes it, and is stopped otherwise; true when it was stopped.
  bool fault_credit(const std::string& id, double ran_s, double now, std::vector<event>& events) {
    job_record& r = *state_.find(id);
    const bool progressed = r.tune_debt_s <= 0;  // a job still re-tuning made no progress this round
    if (progressed) r.exec_s += ran_s;
    r.exec_s = checkpointed_exec_s(r.exec_s, checkpoint_s_);
    if ((progressed || checkpoint_s_ > 0) && credit(r) <= 0) {
      finish_job(id, now, events);
      return false;
    }
    check_.stopped(id, r.remaining_iterations);
    return true;
  }

  /// A scheduler restart (if one is due), node failures and repairs due by now, then job crashes in the
  /// round that just ended.
  void inject_faults(int k, double now, std::vector<event>& events) {
    if (next_restart_ < restart_rounds_.size() && restart_rounds_[next_restart_] == k) {
      ++next_restart_;
      if constexpr (restartable_policy<Policy>) restart_scheduler(state_, pol_, topology_, check_);
      ++faults_.scheduler_restarts;
    }
    while (next_failure_ < failures_.size() && failures_[next_failure_].time_s <= now) {
      const failure_event& f = failures_[next_failure_++];
      if (f.node < 0 || f.node >= static_cast<node_id>(topology_.nodes().size())) continue;
      const bool was_up = state_.nodes()[static_cast<std::size_t>(f.node)].up;
      if (f.repair) {
        state_.repair_node(f.node);
        faults_.repairs += was_up ? 0 : 1;
        events.push_back({event_kind::node_repair, "", f.node});
      } else {
        // Jobs on the node are credited with the work done until the failure, then re-queued.
        faults_.node_failures += was_up ? 1 : 0;
        const node& nd = topology_.node_at(f.node);
        const double ran_s = std::clamp(f.time_s - (now - R_), 0.0, R_);
        std::vector<std::string> hit;
        for (int g = 0; g < nd.num_gpus; ++g)
          if (const job_record* o = state_.owner_of(nd.first_gpu + g);
              o && std::find(hit.begin(), hit.end(), o->spec.id) == hit.end())
            hit.push_back(o->spec.id);
        for (const auto& id : hit) (void)fault_credit(id, ran_s, now, events);
        for (auto& id : state_.fail_node(f.node)) events.push_back({event_kind::job_failure, std::move(id), f.node});
        events.push_back({event_kind::node_failure, "", f.node});
      }
    }
    if (opts_.faults && k > 0) {
      std::vector<std::pair<std::string, double>> crashed;
      for (const auto& rec : state_.jobs()) {
        double ran = 0.0;
        if (rec.state == job_state::running && job_crashes(*opts_.faults, rec.spec.id, k, R_, &ran))
          crashed.emplace_back(rec.spec.id, ran * R_);
      }
      for (const auto& [id, ran_s] : crashed) {
        ++faults_.job_crashes;
        if (!fault_credit(id, ran_s, now, events)) continue;
        state_.requeue(id);
        events.push_back({event_kind::job_failure, id, -1});
      }
    }
  }

  /// Progress of running jobs; completions.
  void progress(double now, std::vector<event>& events) {
    std::vector<std::string> done;
    for (const auto& rec : state_.jobs()) {
      if (rec.state != job_state::running || rec.tune_debt_s > 0) continue;
      job_record& r = *state_.find(rec.spec.id);
      r.exec_s += R_;
      if (credit(r) <= 0) done.push_back(r.spec.id);
    }
    for (const auto& id : done) finish_job(id, now, events);
  }

  /// Arrivals of this round's window, submitted at its start.
  void arrivals(int k, double now, std::vector<event>& events) {
    while (next_job_ < trace_.size() && arrival_[next_job_] == k) {
      job j = trace_[next_job_++];
      if (j.deadline_s) j.deadline_s = now + opts_.deadline_stretch * (*j.deadline_s - now);
      j.submit_time_s = now;
      events.push_back({event_kind::arrival, j.id, -1});
      check_.submitted(state_.submit(std::move(j)));
    }
  }

  /// The policy decides on this round's snapshot (its wall time is recorded); the decision is applied.
  apply_report decide_and_apply(double now, std::vector<event> events) {
    using clock = std::chrono::steady_clock;
    const snapshot<Oracle> snap = state_.make_snapshot(now, oracle_, costs_, std::move(events), opts_.seed);
    const auto t0 = clock::now();
    const decision d = pol_.decide(snap);
    run_.decision_s.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    before_.clear();
    std::unordered_map<std::string, double> exec_before;
    for (const auto& p : d.run)
      if (const job_record* r = state_.find(p.job_id); r && r->alloc) before_[p.job_id] = r->alloc->gpus;
    for (const auto& id : d.preempt)
      if (const job_record* r = state_.find(id)) exec_before[id] = r->exec_s;
    apply_report rep = state_.apply(d);
    run_.preemptions += rep.preempted.size();
    for (const auto& id : rep.preempted) {
      ++preemptions_[id];
      if (const job_record* r = state_.find(id); r && r->state == job_state::pending)
        check_.stopped(id, r->remaining_iterations);
    }
    run_.migrations += rep.moved.size();
    if (opts_.carry_exec_time_across_preemption)
      for (const auto& [id, exec] : exec_before) state_.find(id)->exec_s = exec;
    return rep;
  }

  /// Opens a span for every job now holding GPUs it did not hold after the previous decision, and closes
  /// the spans of jobs that no longer hold them.
  void record_allocations(int k, double now) {
    for (const auto& rec : state_.jobs()) {
      std::vector<allocation_span>& spans = spans_[rec.spec.id];
      const bool open = !spans.empty() && spans.back().last_round == k - 1 && open_[rec.spec.id];
      if (rec.state != job_state::running || !rec.alloc) {
        if (open) open_[rec.spec.id] = false;
        continue;
      }
      if (open && held_[rec.spec.id] == rec.alloc->gpus) {
        spans.back().last_round = k;
        spans.back().end_s = now + R_;
        continue;
      }
      if (first_start_.find(rec.spec.id) == first_start_.end()) first_start_[rec.spec.id] = now;
      allocation_span s;
      s.gpu_type = rec.alloc->gpu_type;
      s.num_gpus = rec.alloc->num_gpus();
      s.layout = rec.alloc->layout;
      if (rec.current_plan) {
        s.plan = plan_summary(*rec.current_plan);
      } else {
        const perf_answer a = oracle_.query(rec.spec, rec.alloc->gpu_type, rec.alloc->layout);
        if (a.best_plan) s.plan = plan_summary(*a.best_plan);
      }
      s.first_round = s.last_round = k;
      s.start_s = now;
      s.end_s = now + R_;
      spans.push_back(std::move(s));
      held_[rec.spec.id] = rec.alloc->gpus;
      open_[rec.spec.id] = true;
    }
  }

  /// Queueing, throughput with re-tuning discounts, busy GPUs and running jobs of the round.
  void account(const apply_report& rep) {
    std::vector<std::string> retuned;
    for (const auto* list : {&rep.started, &rep.moved}) {
      for (const auto& id : *list) {
        auto it = before_.find(id);
        static const std::vector<gpu_id> none;
        if (gains_new_gpu(it == before_.end() ? none : it->second, state_.find(id)->alloc->gpus))
          retuned.push_back(id);
      }
    }
    std::sort(retuned.begin(), retuned.end());
    double thr_sum = 0.0;
    int running = 0;
    for (const auto& rec : state_.jobs()) {
      if (rec.state == job_state::pending) {
        state_.find(rec.spec.id)->queued_s += R_;
        continue;
      }
      if (rec.state != job_state::running) continue;
      ++running;
      job_record& r = *state_.find(rec.spec.id);
      double thr = truth_.query(r.spec, r.alloc->gpu_type, r.alloc->layout)
                       .throughput_samples_per_s(static_cast<double>(r.spec.global_batch));
      if (std::binary_search(retuned.begin(), retuned.end(), r.spec.id)) {
        const double tune = (opts_.job_costs ? opts_.job_costs(r.spec) : costs_).tune_time_s(r.alloc->num_gpus());
        if (tune <= R_) {
          thr *= (R_ - tune) / R_;
          r.tune_debt_s = 0.0;
        } else {
          r.tune_debt_s = tune;
        }
      }
      if (r.tune_debt_s > 0) {
        if (r.tune_debt_s <= R_) {
          thr *= (R_ - r.tune_debt_s) / R_;
          r.tune_debt_s = 0.0;
        } else {
          thr = 0.0;
          r.tune_debt_s -= R_;
        }
      }
      thr_sum += thr;
    }
    run_.throughput.push_back(cellsched::detail::round_decimal(thr_sum, 3));
    run_.busy_gpus.push_back(state_.busy_gpus());
    run_.running_jobs.push_back(running);
    meter_.account(state_, truth_, R_, static_cast<int>(run_.power_w.size()), run_, usage_);
  }

  /// Closed loop: every running job reports the iteration time it really ran at (or that it failed to
  /// run, and is re-queued); the belief's relative error on those jobs is recorded before it learns.
  void report_observations(int k, double now) {
    double err_sum = 0.0;
    int n = 0;
    std::vector<observation> obs;
    std::vector<std::string> failed;
    for (const auto& rec : state_.jobs()) {
      if (rec.state != job_state::running || !rec.alloc) continue;
      const perf_answer t = truth_.query(rec.spec, rec.alloc->gpu_type, rec.alloc->layout);
      observation o;
      o.job_id = rec.spec.id;
      o.model = rec.spec.model;
      o.global_batch = rec.spec.global_batch;
      o.gpu_type = rec.alloc->gpu_type;
      o.layout = rec.alloc->layout;
      o.time_s = now;
      if (!t.feasible || !(t.iter_time_s > 0)) {
        // It cannot run there in fact (out of memory): the host sees it fail and re-queues it.
        o.failed = true;
        failed.push_back(rec.spec.id);
      } else {
        const perf_answer b = oracle_.query(rec.spec, rec.alloc->gpu_type, rec.alloc->layout);
        err_sum += b.feasible && b.iter_time_s > 0 ? std::fabs(b.iter_time_s - t.iter_time_s) / t.iter_time_s : 1.0;
        ++n;
        o.iter_time_s = t.iter_time_s;
      }
      obs.push_back(std::move(o));
    }
    run_.prediction_error.push_back(n ? err_sum / n : 0.0);
    if constexpr (requires(Belief& b, const observation& o) { b.observe(o); }) {
      for (const auto& o : obs)
        for (auto& a : oracle_.observe(o)) run_.alarms.push_back({k, std::move(a)});
    }
    for (const auto& id : failed) {
      if (opts_.faults) check_.stopped(id, state_.find(id)->remaining_iterations);
      state_.requeue(id);
      carry_events_.push_back({event_kind::job_failure, id, -1});
    }
  }

  /// Why the run may end after this round, or nullptr to go on.
  [[nodiscard]] const char* stop_reason(const apply_report& rep) const {
    if (next_job_ < trace_.size()) return nullptr;
    const std::size_t running = state_.count(job_state::running);
    const std::size_t pending = state_.count(job_state::pending);
    if (opts_.stop_when_done && running == 0 && pending == 0) return "all jobs done";
    if (opts_.stop_when_stalled && running == 0 && rep.started.empty()) {
      for (const auto& n : state_.nodes())
        if (!n.up) return nullptr;
      return "stalled";
    }
    return nullptr;
  }

  /// What is impossible about the job's own request on this cluster, or "".
  [[nodiscard]] std::string request_problem(const job& j) const {
    if (!j.requested_gpu_type) return "";
    const int have = topology_.total_gpus_of(*j.requested_gpu_type);
    if (have == 0) return "it requests GPU type " + *j.requested_gpu_type + ", which the cluster does not have";
    if (j.requested_gpus > have)
      return "it requests " + std::to_string(j.requested_gpus) + " " + *j.requested_gpu_type + " GPUs; the cluster has " +
             std::to_string(have);
    return "";
  }

  void finish_outcomes() {
    for (const auto& r : state_.jobs()) {
      job_outcome o;
      o.id = r.spec.id;
      o.model = r.spec.model;
      o.iterations = r.spec.iterations;
      o.global_batch = r.spec.global_batch;
      o.submit_s = r.spec.submit_time_s;
      o.finish_s = r.finish_time_s;
      o.queued_s = r.queued_s;
      o.state = r.state;
      o.restarts = r.restarts;
      if (auto it = preemptions_.find(r.spec.id); it != preemptions_.end()) o.preemptions = it->second;
      if (auto it = first_start_.find(r.spec.id); it != first_start_.end()) o.start_s = it->second;
      if (auto it = spans_.find(r.spec.id); it != spans_.end()) o.allocations = it->second;
      if (auto it = usage_.find(r.spec.id); it != usage_.end()) {
        o.energy_j = it->second.energy_j;
        o.cost_usd = it->second.cost_usd;
        o.gpu_hours = it->second.gpu_hours;
      }
      switch (r.state) {
        case job_state::dropped:
          o.reason = r.drop_reason.empty() ? "dropped by the policy (no reason given)" : r.drop_reason;
          break;
        case job_state::running:
          o.reason = "still running when the run ended (" + std::to_string(r.remaining_iterations) + " of " +
                     std::to_string(r.spec.iterations) + " iterations left)";
          break;
        case job_state::pending: {
          const std::string why = unplaceable_reason(r.spec, topology_, oracle_);
          o.reason = "still pending when the run ended";
          const std::string req = request_problem(r.spec);
          if (!req.empty())
            o.reason += ": " + req;
          else if (!why.empty())
            o.reason += ": " + why;
          else if (o.allocations.empty())
            o.reason += ": never placed by the policy";
          break;
        }
        case job_state::finished:
          break;
      }
      run_.jobs.push_back(std::move(o));
    }
  }

  const cluster& topology_;
  std::vector<job> trace_;
  Belief& oracle_;
  Truth& truth_;
  bool closed_loop_ = false;
  std::vector<event> carry_events_;  ///< closed loop: jobs that failed to run, told to the next round
  Policy& pol_;
  const cost_options& costs_;
  const sim_options& opts_;
  const double R_;
  std::vector<int> arrival_;
  sim_run run_;
  std::vector<failure_event> failures_;
  std::vector<int> restart_rounds_;
  fault_report faults_;
  fault_checker check_;
  double checkpoint_s_ = 0.0;
  scheduler_state state_;
  energy_meter meter_;
  std::unordered_map<std::string, job_usage> usage_;
  std::size_t next_restart_ = 0;
  std::size_t next_job_ = 0;
  std::size_t next_failure_ = 0;
  std::size_t finished_ = 0;
  std::unordered_map<std::string, std::vector<gpu_id>> before_;  ///< GPUs of re-placed jobs before apply
  std::unordered_map<std::string, std::vector<allocation_span>> spans_;
  std::unordered_map<std::string, std::vector<gpu_id>> held_;  ///< GPUs of the open span
  std::unordered_map<std::string, bool> open_;
  std::unordered_map<std::string, double> first_start_;
  std::unordered_map<std::string, std::size_t> preemptions_;
};

}  // namespace detail

/// Runs `pol` over `trace` for `opts.rounds` rounds (fewer with stop_when_done / stop_when_stalled).
/// `costs` is the re-tuning cost model charged to the policy (the policy also sees it in its snapshot).
/// Throws internal_error if the policy returns an invalid decision, std::invalid_argument if scheduler
/// restarts are injected into a policy that is not a restartable_policy (wrap it in any_policy, or set
/// the restart rate to 0).
template <class Oracle, class Policy>
requires policy<Policy, Oracle>
[[nodiscard]] sim_run simulate(const cluster& topology, std::vector<job> trace, const Oracle& oracle, Policy& pol,
                               const cost_options& costs, const sim_options& opts = {}) {
  return detail::sim_engine<const Oracle, const Oracle, Policy>(topology, std::move(trace), oracle, oracle, pol, costs,
                                                                opts)
      .run();
}

/// A closed-loop run (docs/closed-loop.md): the policy decides with `belief`, jobs run at `truth`, and
/// each round every running job reports its true iteration time to the belief (observe(), e.g. an
/// online_oracle) and the run records the belief's error on the running jobs (prediction_error) and
/// the drift alarms it raised. `truth` may have at_round(k) (truth_oracle's drift).
template <class Belief, class Truth, class Policy>
requires policy<Policy, std::remove_const_t<Belief>> && perf_oracle<std::remove_const_t<Truth>>
[[nodiscard]] sim_run simulate_closed_loop(const cluster& topology, std::vector<job> trace, Belief& belief, Truth& truth,
                                           Policy& pol, const cost_options& costs, const sim_options& opts = {}) {
  return detail::sim_engine<Belief, Truth, Policy>(topology, std::move(trace), belief, truth, pol, costs, opts).run();
}

}  // namespace cellsched::sim
