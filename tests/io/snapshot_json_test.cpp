#include <catch2/catch.hpp>

#include <deque>
#include <string>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/io/snapshot_json.hpp>
#include <cellsched/schedule/state.hpp>

#include "check_input_error.hpp"

using namespace cellsched;
using io::json;

namespace {

/// No policy runs here; the snapshot only needs an oracle type to point at.
struct no_oracle {
  [[nodiscard]] perf_answer query(const job&, const std::string&, const node_layout&) const { return {}; }
};

cluster two_nodes() {
  cluster c("two", builtin_catalog());
  c.add_nodes("a100-40gb", 2, 4);  // GPUs 0-3 on node 0, 4-7 on node 1
  return c;
}

job make_job(const std::string& id) {
  job j;
  j.id = id;
  j.model = "bert__760M";
  j.global_batch = 128;
  j.iterations = 100;
  return j;
}

}  // namespace

TEST_CASE("snapshot_json: a state's snapshot round-trips through JSON, nodes and events included") {
  const cluster c = two_nodes();
  scheduler_state st(c);
  st.submit(make_job("a"));
  st.submit(make_job("b"));
  decision d;
  d.run.push_back({"a", allocation{"a100-40gb", {2}, {4, 5}}, std::nullopt, false});
  st.apply(d);
  st.fail_node(0);
  const no_oracle o;
  const auto snap = st.make_snapshot(600.0, o, cost_options{150.0, 600.0, 5.0},
                                     {{event_kind::arrival, "b", -1}, {event_kind::node_failure, "", 0}}, 7);
  const json doc = io::to_json(snap);
  std::deque<job> specs;
  const auto back = io::parse_snapshot(doc, c, o, specs, "snap.json");
  CHECK(io::to_json(back) == doc);
  REQUIRE(back.jobs.size() == 2);
  CHECK(back.jobs[0].spec->id == "a");
  CHECK(back.jobs[0].alloc->gpus == std::vector<gpu_id>{4, 5});
  CHECK_FALSE(back.nodes[0].up);
  CHECK(back.costs.restart_s == 5.0);
  CHECK(back.seed == 7);
  CHECK(back.events[1].kind == event_kind::node_failure);
}

TEST_CASE("snapshot_json: without nodes every node is up and busy where a running job's allocation says") {
  const cluster c = two_nodes();
  const json doc = json::parse(R"({"now_s": 0, "jobs": [
      {"spec": {"id": "a", "model": "bert__760M", "global_batch": 128, "iterations": 100, "submit_time_s": 0},
       "state": "running", "alloc": {"gpu_type": "a100-40gb", "layout": [2], "gpus": [1, 3]},
       "remaining_iterations": 40}]})");
  std::deque<job> specs;
  const no_oracle o;
  const auto s = io::parse_snapshot(doc, c, o, specs, "snap.json");
  CHECK(s.nodes[0].gpu_busy == std::vector<bool>{false, true, false, true});
  CHECK(s.nodes[1].free_gpus() == 4);
  CHECK(s.jobs[0].remaining_iterations == 40);
}

TEST_CASE("snapshot_json: bad snapshots and decisions name the field") {
  const cluster c = two_nodes();
  const no_oracle o;
  std::deque<job> specs;
  const auto parse = [&](const char* text) { (void)io::parse_snapshot(json::parse(text), c, o, specs, "s.json"); };
  const char* spec =
      R"({"id": "a", "model": "bert__760M", "global_batch": 128, "iterations": 100, "submit_time_s": 0})";
  test::check_input_error(
      [&] {
        parse((std::string(R"({"now_s": 0, "jobs": [{"spec": )") + spec +
               R"(, "state": "running", "alloc": {"gpu_type": "a100-40gb", "layout": [1], "gpus": [8]},
                  "remaining_iterations": 1}]})")
                  .c_str());
      },
      "s.json", "jobs[0].alloc.gpus[0]", "7");
  test::check_input_error(
      [&] {
        parse((std::string(R"({"now_s": 0, "jobs": [{"spec": )") + spec +
               R"(, "state": "running", "remaining_iterations": 1}]})")
                  .c_str());
      },
      "s.json", "jobs[0].alloc", "an allocation exactly when the job is running");
  test::check_input_error([&] { parse(R"({"now_s": 0, "jobs": [], "events": [{"kind": "landing", "job_id": "a"}]})"); },
                          "s.json", "events[0].kind", "one of arrival");
  test::check_input_error([&] { parse(R"({"now_s": 0, "jobs": [], "nodes": []})"); }, "s.json", "nodes",
                          "one entry per node");
  test::check_input_error(
      [&] {
        (void)io::parse_decision(json::parse(R"({"run": [{"job_id": "a"}], "preempt": [], "dropped": []})"), c,
                                 "d.json");
      },
      "d.json", "run[0].alloc", "required");
}

TEST_CASE("snapshot_json: a decision round-trips") {
  const cluster c = two_nodes();
  decision d;
  plan p;
  p.stages.push_back({0, 24, 2, 1});
  p.micro_batch_samples = 8;
  p.num_micro_batches = 8;
  d.run.push_back({"a", allocation{"a100-40gb", {2}, {0, 1}}, p, true});
  d.preempt = {"b"};
  d.dropped.push_back({"c", "deadline cannot be met"});
  const json doc = io::to_json(d);
  const decision back = io::parse_decision(doc, c, "d.json");
  CHECK(io::to_json(back) == doc);
  CHECK(back.run[0].opportunistic);
  CHECK(back.run[0].chosen_plan->stages[0].dp == 2);
  CHECK(back.dropped[0].reason == "deadline cannot be met");
}
