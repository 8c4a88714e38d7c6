// Scheduler state to JSON and back: every field survives exactly, the loaded state is sound, crashes
// re-queue with progress kept, and inconsistent saved states are refused naming the field.
#include <catch2/catch.hpp>

#include <string>

#include <cellsched/error.hpp>
#include <cellsched/io/state_json.hpp>
#include <cellsched/schedule/state.hpp>

#include "reference_fixtures.hpp"
#include "state_fixtures.hpp"

using namespace cellsched;
using namespace state_fixtures;

namespace {

// Four jobs in four states, one with a plan and awkward doubles, node 1 (GPUs 4-7) down.
scheduler_state busy_state(const cluster& c) {
  scheduler_state s(c);
  job a = make_job("a", 100);
  a.deadline_s = 1234.5678901234567;
  a.requested_gpu_type = "a100-40gb";
  a.requested_gpus = 4;
  s.submit(a);
  s.submit(make_job("b", 50));
  s.submit(make_job("c", 70));
  s.submit(make_job("d", 10));
  decision d;
  placement pa = place("a", "a100-40gb", {4}, {0, 1, 2, 3});
  plan p;
  p.stages = {stage_plan{0, 4, 2, 2}, stage_plan{4, 8, 1, 4}};
  p.micro_batch_samples = 8;
  p.num_micro_batches = 32;
  p.schedule = pipeline_schedule::gpipe;
  p.recompute = true;
  pa.chosen_plan = p;
  pa.opportunistic = true;
  d.run.push_back(pa);
  d.run.push_back(place("b", "a40", {1, 1}, {8, 10}));
  d.run.push_back(place("c", "a40", {1}, {9}));
  d.dropped.push_back({"d", "its deadline can no longer be met"});
  (void)s.apply(d);
  job_record& ra = *s.find("a");
  ra.exec_s = 0.1 + 0.2;  // 0.30000000000000004
  ra.remaining_iterations = 63;
  ra.tune_debt_s = 1.0 / 3.0;
  ra.queued_s = 600.0;
  s.finish("c", 900.0);
  (void)s.fail_node(1);
  return s;
}
}  // namespace

TEST_CASE("state json: a saved state loads back identical and sound", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
  const scheduler_state s = busy_state(c);
  require_sound(s);
  const nlohmann::json saved = io::to_json(s);
  const scheduler_state back = io::parse_scheduler_state(saved.dump(), c, "saved.json");
  require_sound(back);
  REQUIRE(io::to_json(back).dump() == saved.dump());
  const job_record& a = *back.find("a");
  REQUIRE(a.exec_s == 0.1 + 0.2);
  REQUIRE(a.tune_debt_s == 1.0 / 3.0);
  REQUIRE(*a.spec.deadline_s == 1234.5678901234567);
  REQUIRE(a.current_plan == s.find("a")->current_plan);
  REQUIRE(a.opportunistic);
  REQUIRE(back.owner_of(2)->spec.id == "a");
  REQUIRE(back.find("c")->state == job_state::finished);
  REQUIRE(back.find("c")->finish_time_s == 900.0);
  REQUIRE(back.find("d")->drop_reason == "its deadline can no longer be met");
  REQUIRE_FALSE(back.nodes()[1].up);
  REQUIRE(back.busy_gpus() == s.busy_gpus());
  // The loaded state takes decisions like the original: a GPU of the down node is still refused.
  decision bad;
  bad.run.push_back(place("b", "a100-40gb", {1}, {4}));
  REQUIRE_FALSE(back.validate(bad).empty());
}

TEST_CASE("state: a crashed job returns to pending with its progress", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
  scheduler_state s = busy_state(c);
  s.requeue("a");
  require_sound(s);
  const job_record& a = *s.find("a");
  REQUIRE(a.state == job_state::pending);
  REQUIRE(a.remaining_iterations == 63);
  REQUIRE(a.base_iterations == 63);
  REQUIRE(a.restarts == 1);
  REQUIRE(s.busy_gpus() == 2);
  REQUIRE_THROWS_AS(s.requeue("a"), internal_error);
}

TEST_CASE("state json: inconsistent saved states are refused, naming the field", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
  const nlohmann::json good = io::to_json(busy_state(c));
  const auto refused = [&](nlohmann::json doc, const std::string& field) {
    try {
      (void)io::parse_scheduler_state(doc, c, "saved.json");
    } catch (const input_error& e) {
      INFO(e.what());
      REQUIRE(std::string(e.what()).find(field) != std::string::npos);
      return;
    }
    FAIL("accepted a bad state; expected an error at " + field);
  };
  nlohmann::json doc = good;
  doc["jobs"][1]["alloc"]["gpus"] = {0, 10};  // b claims a's GPU 0
  refused(doc, "jobs[1]");
  doc = good;
  doc["jobs"][0]["alloc"]["gpus"] = {4, 5, 6, 7};  // node 1 is down
  doc["jobs"][0]["alloc"]["layout"] = {4};
  refused(doc, "jobs[0]");
  doc = good;
  doc["jobs"][2]["state"] = "sleeping";
  refused(doc, "jobs[2].state");
  doc = good;
  doc["jobs"][0]["remaining_iterations"] = 101;
  refused(doc, "jobs[0].remaining_iterations");
  doc = good;
  doc["jobs"][1].erase("alloc");  // running without GPUs
  refused(doc, "jobs[1]");
  doc = good;
  doc["total_gpus"] = 13;
  refused(doc, "total_gpus");
  doc = good;
  doc["extra"] = 1;
  refused(doc, "extra");
}
