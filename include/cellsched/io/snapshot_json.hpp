#pragma once
// A policy's snapshot and its decision as JSON, for hosts that keep their records outside C++ (the Python
// package, a controller in another language): the host writes what the policy reads, the policy's
// decision comes back as plain data. Strict like every loader: a bad field throws input_error naming it.
//
// snapshot: {"now_s": S, "nodes": [{"id": N, "up": true, "gpu_busy": [false, ...]}] (optional: without it
//            every node is up and busy exactly where a running job's allocation says),
//            "jobs": [{"spec": {job}, "state": "pending|running", "alloc": {"gpu_type", "layout", "gpus"},
//                      "plan": {...}, "remaining_iterations", "opportunistic", "queued_s", "tune_debt_s"}],
//            "events": [{"kind": "arrival|departure|job_failure", "job_id": ID} |
//                       {"kind": "node_failure|node_repair", "node": N}],
//            "costs": {"tune_s_per_gpu", "tune_cap_s", "restart_s"}, "seed": N}
// decision: {"run": [{"job_id", "alloc": {...}, "plan": {...} (optional), "opportunistic"}],
//            "preempt": [ID, ...], "dropped": [{"job_id", "reason"}]}
// Allocations and plans are written as in the scheduler state (io/state_json.hpp).
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/state_json.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched::io {

namespace snapshot_json_detail {

inline constexpr const char* event_names[] = {"arrival", "departure", "node_failure", "node_repair", "job_failure"};

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json allocation_json(const allocation& a) {
  return {{"gpu_type", a.gpu_type}, {"layout", a.layout}, {"gpus", a.gpus}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] event parse_event(basic_json_reader<Json> r, std::int64_t nodes) {
  const std::string kind = r.string("kind");
  event e;
  std::size_t k = 0;
  while (k < std::size(event_names) && kind != event_names[k]) ++k;
  if (k == std::size(event_names)) r.fail("kind", "one of arrival, departure, node_failure, node_repair, job_failure");
  e.kind = static_cast<event_kind>(k);
  if (e.kind == event_kind::node_failure || e.kind == event_kind::node_repair)
    e.node = static_cast<node_id>(r.integer("node", 0, nodes - 1));
  else
    e.job_id = r.string("job_id");
  r.finish();
  return e;
}

/// Marks `a`'s GPUs busy in `nodes` (built from the cluster, every GPU free).
inline void mark_busy(std::vector<node_status>& nodes, const cluster& c, const allocation& a) {
  for (gpu_id g : a.gpus) {
    const node_id n = c.node_of(g);
    nodes[static_cast<std::size_t>(n)].gpu_busy[static_cast<std::size_t>(g - c.node_at(n).first_gpu)] = true;
  }
}

}  // namespace snapshot_json_detail

/// Reads a snapshot document. The job specs are stored in `specs` (the snapshot points into it, so it
/// must outlive the snapshot and must not be changed meanwhile); `topology` and `oracle` are the host's.
template <class Oracle>
[[nodiscard]] snapshot<Oracle> parse_snapshot(const json& doc, const cluster& topology, const Oracle& oracle,
                                              std::deque<job>& specs, const std::string& origin) {
  using namespace state_json_detail;
  using namespace snapshot_json_detail;
  json_reader r(doc, origin, "");
  snapshot<Oracle> s;
  s.topology = &topology;
  s.oracle = &oracle;
  s.now_s = r.number("now_s");
  const auto node_count = static_cast<std::int64_t>(topology.nodes().size());
  if (const json* costs = r.raw_optional("costs")) {
    json_reader c(*costs, origin, "costs");
    s.costs.tune_s_per_gpu = c.number_or("tune_s_per_gpu", s.costs.tune_s_per_gpu, 0.0);
    s.costs.tune_cap_s = c.number_or("tune_cap_s", s.costs.tune_cap_s, 0.0);
    s.costs.restart_s = c.number_or("restart_s", s.costs.restart_s, 0.0);
    c.finish();
  }
  s.seed = static_cast<std::uint64_t>(r.integer_or("seed", 0, 0, int_max));
  const json& jobs = r.array("jobs", true);
  specs.clear();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const std::string path = r.element_path("jobs", i);
    json_reader jr(jobs[i], origin, path);
    specs.push_back(parse_job(jr.raw("spec"), origin, path + ".spec"));
    job_status st;
    st.spec = &specs.back();
    st.state = parse_job_state(jr);
    if (st.state != job_state::pending && st.state != job_state::running)
      jr.fail("state", "pending or running (finished and dropped jobs are not in a snapshot)");
    if (jr.has("alloc")) st.alloc = parse_allocation(jr.object("alloc"), topology);
    if ((st.state == job_state::running) != st.alloc.has_value())
      jr.fail("alloc", "an allocation exactly when the job is running");
    if (jr.has("plan")) st.current_plan = parse_plan(jr.object("plan"));
    st.remaining_iterations = jr.integer("remaining_iterations", 0, specs.back().iterations);
    st.opportunistic = jr.boolean_or("opportunistic", false);
    st.queued_s = jr.number_or("queued_s", 0.0, 0.0);
    st.tune_debt_s = jr.number_or("tune_debt_s", 0.0, 0.0);
    jr.finish();
    s.jobs.push_back(std::move(st));
  }
  if (const json* nodes = r.raw_optional("nodes")) {
    if (!nodes->is_array() || nodes->size() != topology.nodes().size())
      r.fail("nodes", "an array with one entry per node of the cluster (" + std::to_string(node_count) + ")");
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      json_reader nr((*nodes)[i], origin, r.element_path("nodes", i));
      node_status n;
      n.id = static_cast<node_id>(nr.integer("id", static_cast<std::int64_t>(i), static_cast<std::int64_t>(i)));
      n.up = nr.boolean("up");
      const json& busy = nr.array("gpu_busy", true);
      if (busy.size() != static_cast<std::size_t>(topology.nodes()[i].num_gpus))
        nr.fail("gpu_busy", "one flag per GPU of the node (" + std::to_string(topology.nodes()[i].num_gpus) + ")");
      for (std::size_t g = 0; g < busy.size(); ++g) n.gpu_busy.push_back(nr.as_bool(item("gpu_busy", g), busy[g]));
      nr.finish();
      s.nodes.push_back(std::move(n));
    }
  } else {
    for (std::size_t i = 0; i < topology.nodes().size(); ++i)
      s.nodes.push_back({static_cast<node_id>(i), true,
                         std::vector<bool>(static_cast<std::size_t>(topology.nodes()[i].num_gpus), false)});
    for (const auto& st : s.jobs)
      if (st.alloc) mark_busy(s.nodes, topology, *st.alloc);
  }
  if (const json* events = r.raw_optional("events")) {
    if (!events->is_array()) r.fail("events", "an array of events");
    for (std::size_t i = 0; i < events->size(); ++i)
      s.events.push_back(parse_event(json_reader((*events)[i], origin, r.element_path("events", i)), node_count));
  }
  r.finish();
  return s;
}

/// A snapshot as the document parse_snapshot() reads (nodes included).
template <class Oracle>
[[nodiscard]] json to_json(const snapshot<Oracle>& s) {
  using namespace snapshot_json_detail;
  json doc;
  doc["now_s"] = s.now_s;
  doc["seed"] = s.seed;
  doc["costs"] = {
      {"tune_s_per_gpu", s.costs.tune_s_per_gpu}, {"tune_cap_s", s.costs.tune_cap_s}, {"restart_s", s.costs.restart_s}};
  json nodes = json::array();
  for (const auto& n : s.nodes) nodes.push_back({{"id", n.id}, {"up", n.up}, {"gpu_busy", n.gpu_busy}});
  doc["nodes"] = std::move(nodes);
  json jobs = json::array();
  for (const auto& st : s.jobs) {
    json j;
    j["spec"] = to_json(*st.spec);
    j["state"] = to_string(st.state);
    if (st.alloc) j["alloc"] = allocation_json(*st.alloc);
    if (st.current_plan) j["plan"] = state_json_detail::plan_json(*st.current_plan);
    j["remaining_iterations"] = st.remaining_iterations;
    j["opportunistic"] = st.opportunistic;
    j["queued_s"] = st.queued_s;
    j["tune_debt_s"] = st.tune_debt_s;
    jobs.push_back(std::move(j));
  }
  doc["jobs"] = std::move(jobs);
  json events = json::array();
  for (const auto& e : s.events) {
    json j = {{"kind", event_names[static_cast<std::size_t>(e.kind)]}};
    if (e.kind == event_kind::node_failure || e.kind == event_kind::node_repair)
      j["node"] = e.node;
    else
      j["job_id"] = e.job_id;
    events.push_back(std::move(j));
  }
  doc["events"] = std::move(events);
  return doc;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const decision& d) {
  using namespace snapshot_json_detail;
  Json run = Json::array();
  for (const auto& p : d.run) {
    Json j = {{"job_id", p.job_id}, {"alloc", allocation_json<Json>(p.alloc)}, {"opportunistic", p.opportunistic}};
    if (p.chosen_plan) j["plan"] = state_json_detail::plan_json(*p.chosen_plan);
    run.push_back(std::move(j));
  }
  Json dropped = Json::array();
  for (const auto& x : d.dropped) dropped.push_back({{"job_id", x.job_id}, {"reason", x.reason}});
  return {{"run", std::move(run)}, {"preempt", d.preempt}, {"dropped", std::move(dropped)}};
}

/// Reads a decision document (a host's own, or one a policy returned and the host kept as data).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] decision parse_decision(const Json& doc, const cluster& topology, const std::string& origin) {
  using namespace state_json_detail;
  basic_json_reader<Json> r(doc, origin, "");
  decision d;
  const Json& run = r.array("run", true);
  for (std::size_t i = 0; i < run.size(); ++i) {
    basic_json_reader<Json> pr(run[i], origin, r.element_path("run", i));
    placement p;
    p.job_id = pr.string("job_id");
    p.alloc = parse_allocation<Json>(pr.object("alloc"), topology);
    if (pr.has("plan")) p.chosen_plan = parse_plan<Json>(pr.object("plan"));
    p.opportunistic = pr.boolean_or("opportunistic", false);
    pr.finish();
    d.run.push_back(std::move(p));
  }
  const Json& preempt = r.array("preempt", true);
  for (std::size_t i = 0; i < preempt.size(); ++i) d.preempt.push_back(r.as_string(item("preempt", i), preempt[i]));
  const Json& dropped = r.array("dropped", true);
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    basic_json_reader<Json> dr(dropped[i], origin, r.element_path("dropped", i));
    dropped_job x;
    x.job_id = dr.string("job_id");
    x.reason = dr.string_or("reason", "");
    dr.finish();
    d.dropped.push_back(std::move(x));
  }
  r.finish();
  return d;
}

}  // namespace cellsched::io
