#pragma once
// A tiny host for Crius scenario tests: a scheduler_state, a throughput table set by hand, and one call
// per round; the state's invariants are checked after every operation.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <cellsched/schedule/crius.hpp>
#include <cellsched/schedule/state.hpp>

#include "reference_fixtures.hpp"

namespace crius_testing {

/// Throughput by (model, GPU type, nodes, GPUs per node); anything not set is infeasible.
struct table_oracle {
  std::map<std::tuple<std::string, std::string, int, int>, double> thr;
  void set(const std::string& model, const std::string& type, int nodes, int per_node, double samples_per_s) {
    thr[{model, type, nodes, per_node}] = samples_per_s;
  }
  [[nodiscard]] cellsched::perf_answer query(const cellsched::job& j, const std::string& type,
                                             const cellsched::node_layout& layout) const {
    cellsched::perf_answer a;
    if (layout.empty()) return a;
    auto it = thr.find({j.model, type, static_cast<int>(layout.size()), layout[0]});
    if (it == thr.end()) return a;
    a.feasible = true;
    a.iter_time_s = static_cast<double>(j.global_batch) / it->second;
    return a;
  }
};

inline cellsched::job make_job(const std::string& id, const std::string& model, const std::string& type, int gpus,
                               std::int64_t iterations = 1000, std::int64_t batch = 100) {
  cellsched::job j;
  j.id = id;
  j.model = model;
  j.global_batch = batch;
  j.iterations = iterations;
  j.requested_gpu_type = type;
  j.requested_gpus = gpus;
  return j;
}

inline void require_sound(const cellsched::scheduler_state& s) {
  const auto v = s.check_invariants();
  INFO((v.empty() ? std::string() : v.front()));
  REQUIRE(v.empty());
}

struct harness {
  cellsched::cluster topology;
  cellsched::scheduler_state state;
  table_oracle oracle;
  cellsched::crius_policy policy;
  double now_s = 0.0;
  std::vector<cellsched::event> events;

  harness(cellsched::cluster c, cellsched::crius_options o = {})
      : topology(std::move(c)), state(topology), policy(std::move(o)) {}

  void submit(cellsched::job j) {
    j.submit_time_s = now_s;
    events.push_back({cellsched::event_kind::arrival, j.id, -1});
    state.submit(std::move(j));
    require_sound(state);
  }
  void finish(const std::string& id) {
    state.finish(id, now_s);
    events.push_back({cellsched::event_kind::departure, id, -1});
    require_sound(state);
  }
  void fail_node(cellsched::node_id n) {
    for (auto& id : state.fail_node(n)) events.push_back({cellsched::event_kind::job_failure, id, n});
    events.push_back({cellsched::event_kind::node_failure, "", n});
    require_sound(state);
  }
  /// One scheduling round at now_s; the decision is applied and the clock advances one round.
  cellsched::decision round() {
    const auto snap = state.make_snapshot(now_s, oracle, cellsched::cost_options{}, std::move(events));
    events.clear();
    cellsched::decision d = policy.decide(snap);
    const auto errors = state.validate(d);
    INFO((errors.empty() ? std::string() : errors.front()));
    REQUIRE(errors.empty());
    state.apply(d);
    require_sound(state);
    now_s += 300.0;
    return d;
  }
  [[nodiscard]] std::vector<cellsched::gpu_id> gpus_of(const std::string& id) const {
    const auto* r = state.find(id);
    return r && r->alloc ? r->alloc->gpus : std::vector<cellsched::gpu_id>{};
  }
  [[nodiscard]] std::string type_of(const std::string& id) const {
    const auto* r = state.find(id);
    return r && r->alloc ? r->alloc->gpu_type : std::string();
  }
};

[[nodiscard]] inline bool contains(const std::vector<std::string>& v, const std::string& x) {
  for (const auto& s : v)
    if (s == x) return true;
  return false;
}

}  // namespace crius_testing
