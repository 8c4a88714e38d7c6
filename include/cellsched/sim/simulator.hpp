#pragma once
// The trace-driven simulator: replays jobs on a cluster under any `policy`, with the reference
// simulator's accounting (docs/reference-simulator.md §3):
// * arrivals in windows of one round: round 0 takes jobs with t <= T0 + R, round k jobs with
//   T0 + Rk < t <= T0 + R(k+1); a job's recorded submission is its window's start;
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
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/detail/reference_arith.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"
#include "cellsched/schedule/state.hpp"
#include "cellsched/sim/fault_checks.hpp"
#include "cellsched/sim/fault_injection.hpp"
#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

namespace detail {

/// Round index of each job (jobs sorted by submission), exactly as the reference's trace manager
/// buckets them: advance the window start by R until it covers the job.
[[nodiscard]] inline std::vector<int> arrival_rounds(const std::vector<job>& sorted, double round_s) {
  std::vector<int> out;
  out.reserve(sorted.size());
  if (sorted.empty()) return out;
  double window = sorted.front().submit_time_s;
  int k = 0;
  for (const auto& j : sorted) {
    while (window + round_s < j.submit_time_s) {
      window += round_s;
      ++k;
    }
    out.push_back(k);
  }
  return out;
}

[[nodiscard]] inline bool gains_new_gpu(const std::vector<gpu_id>& before, const std::vector<gpu_id>& after) {
  for (gpu_id g : after)
    if (!std::binary_search(before.begin(), before.end(), g)) return true;
  return false;
}

}  // namespace detail

/// Runs `pol` over `trace` for `opts.rounds` rounds. `costs` is the re-tuning cost model charged to the
/// policy (the policy also sees it in its snapshot). Throws internal_error if the policy returns an
/// invalid decision, std::invalid_argument if scheduler restarts are injected into a policy that is not
/// a restartable_policy (wrap it in any_policy, or set the restart rate to 0).
template <class Oracle, class Policy>
requires policy<Policy, Oracle>
[[nodiscard]] sim_run simulate(const cluster& topology, std::vector<job> trace, const Oracle& oracle, Policy& pol,
                               const cost_options& costs, const sim_options& opts = {}) {
  using clock = std::chrono::steady_clock;
  const auto wall_start = clock::now();
  std::stable_sort(trace.begin(), trace.end(),
                   [](const job& a, const job& b) { return a.submit_time_s < b.submit_time_s; });
  const double R = opts.round_s;
  const std::vector<int> arrival = detail::arrival_rounds(trace, R);

  sim_run run;
  run.policy = pol.name();
  run.round_s = R;
  run.total_gpus = topology.total_gpus();
  run.start_s = trace.empty() ? 0.0 : trace.front().submit_time_s;

  std::vector<failure_event> failures = opts.failures;
  std::vector<int> restart_rounds;
  fault_report faults;
  fault_checker check(faults);
  const double checkpoint_s = opts.faults ? opts.faults->checkpoint_interval_s : 0.0;
  if (opts.faults) {
    const auto injected = node_fault_schedule(topology, *opts.faults, run.start_s, run.start_s + R * opts.rounds);
    failures.insert(failures.end(), injected.begin(), injected.end());
    restart_rounds = scheduler_restart_rounds(*opts.faults, opts.rounds, R);
    if constexpr (!restartable_policy<Policy>)
      if (!restart_rounds.empty())
        throw std::invalid_argument("simulate: scheduler restarts need a restartable_policy; " + run.policy +
                                    " is not one");
  }
  std::stable_sort(failures.begin(), failures.end(),
                   [](const failure_event& a, const failure_event& b) { return a.time_s < b.time_s; });
  std::size_t next_restart = 0;

  scheduler_state state(topology);
  std::size_t next_job = 0;
  std::size_t next_failure = 0;
  std::size_t finished = 0;
  // remaining = iterations at the last (re)start - floor(exec / iteration time now); returns it unclamped.
  const auto credit = [&](job_record& r) -> std::int64_t {
    const perf_answer a = oracle.query(r.spec, r.alloc->gpu_type, r.alloc->layout);
    if (!a.feasible || !(a.iter_time_s > 0)) return r.remaining_iterations;
    const auto left =
        r.base_iterations - static_cast<std::int64_t>(cellsched::detail::floor_div(r.exec_s, a.iter_time_s));
    r.remaining_iterations = std::clamp<std::int64_t>(left, 0, r.spec.iterations);
    return left;
  };

  // A fault stops running job `id` after it ran `ran_s` of the round: it keeps the work up to its last
  // checkpoint, finishes if that completes it, and is stopped otherwise; true when it was stopped.
  const auto fault_credit = [&](const std::string& id, double ran_s, double now, std::vector<event>& events) {
    job_record& r = *state.find(id);
    const bool progressed = r.tune_debt_s <= 0;  // a job still re-tuning made no progress this round
    if (progressed) r.exec_s += ran_s;
    r.exec_s = checkpointed_exec_s(r.exec_s, checkpoint_s);
    if ((progressed || checkpoint_s > 0) && credit(r) <= 0) {
      state.finish(id, now);
      run.finished_jct_s.push_back(now - r.spec.submit_time_s);
      ++finished;
      events.push_back({event_kind::departure, id, -1});
      return false;
    }
    check.stopped(id, r.remaining_iterations);
    return true;
  };

  for (int k = 0; k < opts.rounds; ++k) {
    const double now = run.start_s + R * k;
    std::vector<event> events;

    if (next_restart < restart_rounds.size() && restart_rounds[next_restart] == k) {
      ++next_restart;
      if constexpr (restartable_policy<Policy>) restart_scheduler(state, pol, topology, check);
      ++faults.scheduler_restarts;
    }

    // Failures and repairs due by now.
    while (next_failure < failures.size() && failures[next_failure].time_s <= now) {
      const failure_event& f = failures[next_failure++];
      if (f.node < 0 || f.node >= static_cast<node_id>(topology.nodes().size())) continue;
      const bool was_up = state.nodes()[static_cast<std::size_t>(f.node)].up;
      if (f.repair) {
        state.repair_node(f.node);
        faults.repairs += was_up ? 0 : 1;
        events.push_back({event_kind::node_repair, "", f.node});
      } else {
        // Jobs on the node are credited with the work done until the failure, then re-queued.
        faults.node_failures += was_up ? 1 : 0;
        const node& nd = topology.node_at(f.node);
        const double ran_s = std::clamp(f.time_s - (now - R), 0.0, R);
        std::vector<std::string> hit;
        for (int g = 0; g < nd.num_gpus; ++g)
          if (const job_record* o = state.owner_of(nd.first_gpu + g);
              o && std::find(hit.begin(), hit.end(), o->spec.id) == hit.end())
            hit.push_back(o->spec.id);
        for (const auto& id : hit) (void)fault_credit(id, ran_s, now, events);
        for (auto& id : state.fail_node(f.node)) events.push_back({event_kind::job_failure, std::move(id), f.node});
        events.push_back({event_kind::node_failure, "", f.node});
      }
    }

    // Job crashes in the round that just ended: back to pending from the last checkpoint.
    if (opts.faults && k > 0) {
      std::vector<std::pair<std::string, double>> crashed;
      for (const auto& rec : state.jobs()) {
        double ran = 0.0;
        if (rec.state == job_state::running && job_crashes(*opts.faults, rec.spec.id, k, R, &ran))
          crashed.emplace_back(rec.spec.id, ran * R);
      }
      for (const auto& [id, ran_s] : crashed) {
        ++faults.job_crashes;
        if (!fault_credit(id, ran_s, now, events)) continue;
        state.requeue(id);
        events.push_back({event_kind::job_failure, id, -1});
      }
    }

    // Progress of running jobs; completions.
    std::vector<std::string> done;
    for (const auto& rec : state.jobs()) {
      if (rec.state != job_state::running || rec.tune_debt_s > 0) continue;
      job_record& r = *state.find(rec.spec.id);
      r.exec_s += R;
      if (credit(r) <= 0) done.push_back(r.spec.id);
    }
    for (auto& id : done) {
      state.finish(id, now);
      const job_record& r = *state.find(id);
      run.finished_jct_s.push_back(now - r.spec.submit_time_s);
      ++finished;
      events.push_back({event_kind::departure, std::move(id), -1});
    }

    // Arrivals of this round's window, submitted at its start.
    while (next_job < trace.size() && arrival[next_job] == k) {
      job j = trace[next_job++];
      if (j.deadline_s) j.deadline_s = now + opts.deadline_stretch * (*j.deadline_s - now);
      j.submit_time_s = now;
      events.push_back({event_kind::arrival, j.id, -1});
      check.submitted(state.submit(std::move(j)));
    }

    // Decide and apply.
    const snapshot<Oracle> snap = state.make_snapshot(now, oracle, costs, std::move(events), opts.seed);
    const auto t0 = clock::now();
    const decision d = pol.decide(snap);
    run.decision_s.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    std::unordered_map<std::string, std::vector<gpu_id>> before;
    std::unordered_map<std::string, double> exec_before;
    for (const auto& p : d.run)
      if (const job_record* r = state.find(p.job_id); r && r->alloc) before[p.job_id] = r->alloc->gpus;
    for (const auto& id : d.preempt)
      if (const job_record* r = state.find(id)) exec_before[id] = r->exec_s;
    const apply_report rep = state.apply(d);
    run.preemptions += rep.preempted.size();
    for (const auto& id : rep.preempted)
      if (const job_record* r = state.find(id); r && r->state == job_state::pending)
        check.stopped(id, r->remaining_iterations);
    run.migrations += rep.moved.size();
    if (opts.carry_exec_time_across_preemption)
      for (const auto& [id, exec] : exec_before) state.find(id)->exec_s = exec;
    std::vector<std::string> retuned;
    for (const auto* list : {&rep.started, &rep.moved}) {
      for (const auto& id : *list) {
        auto it = before.find(id);
        static const std::vector<gpu_id> none;
        if (detail::gains_new_gpu(it == before.end() ? none : it->second, state.find(id)->alloc->gpus))
          retuned.push_back(id);
      }
    }
    std::sort(retuned.begin(), retuned.end());

    // Queueing, throughput with re-tuning discounts.
    double thr_sum = 0.0;
    for (const auto& rec : state.jobs()) {
      if (rec.state == job_state::pending) {
        state.find(rec.spec.id)->queued_s += R;
        continue;
      }
      if (rec.state != job_state::running) continue;
      job_record& r = *state.find(rec.spec.id);
      double thr = oracle.query(r.spec, r.alloc->gpu_type, r.alloc->layout)
                       .throughput_samples_per_s(static_cast<double>(r.spec.global_batch));
      if (std::binary_search(retuned.begin(), retuned.end(), r.spec.id)) {
        const double tune = costs.tune_time_s(r.alloc->num_gpus());
        if (tune <= R) {
          thr *= (R - tune) / R;
          r.tune_debt_s = 0.0;
        } else {
          r.tune_debt_s = tune;
        }
      }
      if (r.tune_debt_s > 0) {
        if (r.tune_debt_s <= R) {
          thr *= (R - r.tune_debt_s) / R;
          r.tune_debt_s = 0.0;
        } else {
          thr = 0.0;
          r.tune_debt_s -= R;
        }
      }
      thr_sum += thr;
    }
    run.throughput.push_back(cellsched::detail::round_decimal(thr_sum, 3));
    run.busy_gpus.push_back(state.busy_gpus());
    if (opts.faults) check.check(state, k);

    if (opts.on_progress && ((k + 1) % std::max(1, opts.progress_every) == 0 || k + 1 == opts.rounds)) {
      sim_progress p;
      p.policy = run.policy;
      p.round = k + 1;
      p.rounds = opts.rounds;
      p.running = state.count(job_state::running);
      p.pending = state.count(job_state::pending);
      p.finished = finished;
      p.elapsed_s = std::chrono::duration<double>(clock::now() - wall_start).count();
      opts.on_progress(p);
    }
  }

  for (const auto& r : state.jobs()) {
    job_outcome o;
    o.id = r.spec.id;
    o.submit_s = r.spec.submit_time_s;
    o.finish_s = r.finish_time_s;
    o.queued_s = r.queued_s;
    o.state = r.state;
    o.restarts = r.restarts;
    run.jobs.push_back(std::move(o));
  }
  if (opts.faults) {
    check.finish(state);
    run.faults = faults;
  }
  run.wall_s = std::chrono::duration<double>(clock::now() - wall_start).count();
  return run;
}

}  // namespace cellsched::sim
