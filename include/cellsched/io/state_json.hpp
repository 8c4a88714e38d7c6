#pragma once
// scheduler_state as JSON, for restarting a scheduler: every job record (spec, state, allocation, plan,
// progress accounting) in submission order and which nodes are down. Numbers are written with enough
// digits to round-trip exactly (nlohmann::json prints doubles with 17 significant digits), so a state
// loaded back leads to bitwise-identical decisions (tests/schedule/state_json_test.cpp).
//
// {"kind": "scheduler_state", "cluster": NAME, "total_gpus": N, "down_nodes": [ids],
//  "jobs": [{"spec": {job}, "state": "pending|running|finished|dropped", "alloc": {"gpu_type", "layout",
//            "gpus"}, "plan": {...}, "remaining_iterations", "base_iterations", "exec_s", "queued_s",
//            "tune_debt_s", "finish_time_s", "opportunistic", "restarts", "drop_reason"}]}
// Reading, only "spec" and "state" (and "alloc" for a running job) are required; the rest default to a
// job that has not run yet: remaining = the spec's iterations, base = remaining, times 0, finish -1.
// docs/formats/state.md describes every field.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/state.hpp"

namespace cellsched::io {

namespace state_json_detail {

inline constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

/// The key of an array element as json_reader's conversions take it ("gpus[3]").
[[nodiscard]] inline std::string item(const char* key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json plan_json(const plan& p) {
  Json stages = Json::array();
  for (const auto& s : p.stages)
    stages.push_back({{"first_layer", s.first_layer}, {"end_layer", s.end_layer}, {"dp", s.dp}, {"tp", s.tp}});
  return {{"stages", std::move(stages)},
          {"micro_batch_samples", p.micro_batch_samples},
          {"num_micro_batches", p.num_micro_batches},
          {"schedule", to_string(p.schedule)},
          {"recompute", p.recompute},
          {"zero1", p.zero1},
          {"selective_recompute", p.selective_recompute},
          {"sequence_parallel", p.sequence_parallel},
          {"overlap_grad_reduce", p.overlap_grad_reduce},
          {"virtual_stages", p.virtual_stages}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] plan parse_plan(basic_json_reader<Json> r) {
  plan p;
  const Json& stages = r.array("stages", true);
  for (std::size_t i = 0; i < stages.size(); ++i) {
    basic_json_reader<Json> s(stages[i], r.file(), r.element_path("stages", i));
    stage_plan sp;
    sp.first_layer = static_cast<int>(s.integer("first_layer", 0, 1 << 30));
    sp.end_layer = static_cast<int>(s.integer("end_layer", sp.first_layer, 1 << 30));
    sp.dp = static_cast<int>(s.integer("dp", 1, 1 << 30));
    sp.tp = static_cast<int>(s.integer("tp", 1, 1 << 30));
    s.finish();
    p.stages.push_back(sp);
  }
  p.micro_batch_samples = r.integer("micro_batch_samples", 1, int_max);
  p.num_micro_batches = r.integer("num_micro_batches", 1, int_max);
  const std::string sched = r.string("schedule");
  if (sched != "1f1b" && sched != "gpipe") r.fail("schedule", "\"1f1b\" or \"gpipe\"");
  p.schedule = sched == "gpipe" ? pipeline_schedule::gpipe : pipeline_schedule::one_f_one_b;
  p.recompute = r.boolean("recompute");
  p.zero1 = r.boolean("zero1");
  // Optional: states saved before these plan dimensions existed have none of them.
  p.selective_recompute = r.boolean_or("selective_recompute", false);
  p.sequence_parallel = r.boolean_or("sequence_parallel", false);
  p.overlap_grad_reduce = r.boolean_or("overlap_grad_reduce", false);
  p.virtual_stages = static_cast<int>(r.integer_or("virtual_stages", 1, 1, 1 << 20));
  r.finish();
  return p;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] job_state parse_job_state(basic_json_reader<Json>& r) {
  const std::string s = r.string("state");
  for (job_state st : {job_state::pending, job_state::running, job_state::finished, job_state::dropped})
    if (s == to_string(st)) return st;
  r.fail("state", "one of pending, running, finished, dropped");
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] allocation parse_allocation(basic_json_reader<Json> r, const cluster& c) {
  allocation a;
  a.gpu_type = r.string("gpu_type");
  const Json& layout = r.array("layout");
  for (std::size_t i = 0; i < layout.size(); ++i)
    a.layout.push_back(static_cast<int>(r.as_integer(item("layout", i), layout[i], 1, 1 << 20)));
  const Json& gpus = r.array("gpus");
  for (std::size_t i = 0; i < gpus.size(); ++i)
    a.gpus.push_back(static_cast<gpu_id>(r.as_integer(item("gpus", i), gpus[i], 0, c.total_gpus() - 1)));
  r.finish();
  return a;
}

}  // namespace state_json_detail

/// The whole state as a {"kind": "scheduler_state"} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const scheduler_state& st) {
  using namespace state_json_detail;
  Json doc;
  doc["kind"] = "scheduler_state";
  doc["cluster"] = st.topology().name();
  doc["total_gpus"] = st.topology().total_gpus();
  Json down = Json::array();
  for (const auto& n : st.nodes())
    if (!n.up) down.push_back(n.id);
  doc["down_nodes"] = std::move(down);
  Json jobs = Json::array();
  for (const auto& r : st.jobs()) {
    Json j;
    j["spec"] = to_json<Json>(r.spec);
    j["state"] = to_string(r.state);
    if (r.alloc) j["alloc"] = {{"gpu_type", r.alloc->gpu_type}, {"layout", r.alloc->layout}, {"gpus", r.alloc->gpus}};
    if (r.current_plan) j["plan"] = plan_json<Json>(*r.current_plan);
    j["remaining_iterations"] = r.remaining_iterations;
    j["base_iterations"] = r.base_iterations;
    j["exec_s"] = r.exec_s;
    j["queued_s"] = r.queued_s;
    j["tune_debt_s"] = r.tune_debt_s;
    j["finish_time_s"] = r.finish_time_s;
    j["opportunistic"] = r.opportunistic;
    j["restarts"] = r.restarts;
    if (!r.drop_reason.empty()) j["drop_reason"] = r.drop_reason;
    jobs.push_back(std::move(j));
  }
  doc["jobs"] = std::move(jobs);
  return doc;
}

/// Loads a state saved by to_json() onto `topology` (which must outlive it and be the cluster it was
/// saved on). Bad or inconsistent input throws input_error naming `origin` and the field.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] scheduler_state parse_scheduler_state(const Json& doc, const cluster& topology,
                                                    const std::string& origin) {
  using namespace state_json_detail;
  basic_json_reader<Json> r(doc, origin, "");
  if (r.string("kind") != "scheduler_state") r.fail("kind", "\"scheduler_state\"");
  if (r.string("cluster") != topology.name()) r.fail("cluster", "the name of the cluster given, " + topology.name());
  if (r.integer("total_gpus", 0, int_max) != topology.total_gpus())
    r.fail("total_gpus", std::to_string(topology.total_gpus()) + " (the cluster given)");
  scheduler_state st(topology);
  const Json& down = r.array("down_nodes", true);
  const auto nodes = static_cast<std::int64_t>(topology.nodes().size());
  for (std::size_t i = 0; i < down.size(); ++i)
    st.restore_node(static_cast<node_id>(r.as_integer(item("down_nodes", i), down[i], 0, nodes - 1)), false);
  const Json& jobs = r.array("jobs", true);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const std::string path = r.element_path("jobs", i);
    basic_json_reader<Json> jr(jobs[i], origin, path);
    job_record rec;
    rec.spec = parse_job<Json>(jr.raw("spec"), origin, path + ".spec");
    rec.state = parse_job_state<Json>(jr);
    if (jr.has("alloc")) rec.alloc = parse_allocation<Json>(jr.object("alloc"), topology);
    if (jr.has("plan")) rec.current_plan = parse_plan<Json>(jr.object("plan"));
    // Only spec and state are required: a host writing its own state leaves out what it does not track.
    rec.remaining_iterations = jr.integer_or("remaining_iterations", rec.spec.iterations, 0, rec.spec.iterations);
    rec.base_iterations = jr.integer_or("base_iterations", rec.remaining_iterations, 0, rec.spec.iterations);
    rec.exec_s = jr.number_or("exec_s", 0.0, 0.0);
    rec.queued_s = jr.number_or("queued_s", 0.0, 0.0);
    rec.tune_debt_s = jr.number_or("tune_debt_s", 0.0, 0.0);
    rec.finish_time_s = jr.number_or("finish_time_s", -1.0);
    rec.opportunistic = jr.boolean_or("opportunistic", false);
    rec.restarts = static_cast<int>(jr.integer_or("restarts", 0, 0, 1 << 30));
    rec.drop_reason = jr.string_or("drop_reason", "");
    jr.finish();
    try {
      st.restore(std::move(rec));
    } catch (const std::invalid_argument& e) {
      throw input_error(origin, path, std::string("a record consistent with the others (") + e.what() + ")");
    }
  }
  r.finish();
  return st;
}

/// A saved state from JSON text.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] scheduler_state parse_scheduler_state(const std::string& text, const cluster& topology,
                                                    const std::string& origin) {
  return parse_scheduler_state<Json>(parse_json_text<Json>(text, origin), topology, origin);
}

}  // namespace cellsched::io
