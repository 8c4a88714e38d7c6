// Scheduler state: decisions are checked before they are applied, node failures re-queue jobs with
// their progress, and the invariants hold after every operation.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

#include <cellsched/error.hpp>
#include <cellsched/schedule/policy_state.hpp>
#include <cellsched/schedule/state.hpp>

#include "reference_fixtures.hpp"
#include "state_fixtures.hpp"

using namespace cellsched;
using namespace state_fixtures;

TEST_CASE("state: submit, run, finish keep the invariants", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);  // GPUs 0-3, 4-7 A100; 8-9, 10-11 A40
  scheduler_state s(c);
  s.submit(make_job("a", 100));
  s.submit(make_job("b", 50));
  require_sound(s);
  REQUIRE(s.count(job_state::pending) == 2);
  REQUIRE_THROWS_AS(s.submit(make_job("a", 1)), std::invalid_argument);

  decision d;
  d.run.push_back(place("a", "a100-40gb", {4}, {0, 1, 2, 3}));
  d.run.push_back(place("b", "a40", {1, 1}, {8, 10}));
  const apply_report rep = s.apply(d);
  REQUIRE(rep.started.size() == 2);
  require_sound(s);
  REQUIRE(s.busy_gpus() == 6);
  REQUIRE(s.owner_of(10)->spec.id == "b");

  // Move a: the GPUs it leaves may be taken by another job in the same decision.
  decision move;
  move.run.push_back(place("a", "a100-40gb", {4}, {4, 5, 6, 7}));
  REQUIRE(s.apply(move).moved == std::vector<std::string>{"a"});
  require_sound(s);

  s.finish("b", 300.0);
  require_sound(s);
  REQUIRE(s.find("b")->state == job_state::finished);
  REQUIRE(s.busy_gpus() == 4);

  const auto snap = s.make_snapshot(300.0, testing_fixtures::reference_table(), cost_options{}, {});
  REQUIRE(snap.jobs.size() == 1);
  REQUIRE(snap.jobs[0].spec->id == "a");
  REQUIRE(snap.nodes[1].free_gpus() == 0);
  REQUIRE(snap.nodes[0].free_gpus() == 4);
}

TEST_CASE("state: invalid decisions are rejected whole", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
  scheduler_state s(c);
  s.submit(make_job("a", 100));
  s.submit(make_job("b", 100));
  decision ok;
  ok.run.push_back(place("a", "a100-40gb", {2}, {0, 1}));
  s.apply(ok);

  const auto rejected = [&](const decision& d, const std::string& what) {
    const auto errors = s.validate(d);
    REQUIRE_FALSE(errors.empty());
    bool found = false;
    for (const auto& e : errors) found = found || e.find(what) != std::string::npos;
    INFO(errors.front());
    REQUIRE(found);
    REQUIRE_THROWS_AS(s.apply(d), internal_error);
    require_sound(s);
  };
  decision twice;  // GPU 1 is held by a
  twice.run.push_back(place("b", "a100-40gb", {2}, {1, 2}));
  rejected(twice, "held by 'a'");
  decision wrong_type;
  wrong_type.run.push_back(place("b", "a100-40gb", {2}, {8, 9}));
  rejected(wrong_type, "not a100-40gb");
  decision wrong_layout;
  wrong_layout.run.push_back(place("b", "a100-40gb", {2}, {3, 4}));
  rejected(wrong_layout, "layout");
  decision not_running;
  not_running.preempt.push_back("b");
  rejected(not_running, "not running");
  decision unknown;
  unknown.run.push_back(place("zz", "a40", {1}, {8}));
  rejected(unknown, "unknown job");
  decision dup;
  dup.run.push_back(place("b", "a40", {1}, {8}));
  dup.run.push_back(place("b", "a40", {1}, {9}));
  rejected(dup, "listed twice");
  REQUIRE(s.find("b")->state == job_state::pending);

  // Preempting a and giving its GPUs to b in one decision is fine.
  decision swap;
  swap.preempt.push_back("a");
  swap.run.push_back(place("b", "a100-40gb", {2}, {0, 1}));
  const auto rep = s.apply(swap);
  REQUIRE(rep.preempted == std::vector<std::string>{"a"});
  REQUIRE(s.find("a")->state == job_state::pending);
  REQUIRE(s.owner_of(0)->spec.id == "b");
  require_sound(s);
}

TEST_CASE("state: two running jobs swap their GPUs in one decision", "[schedule][state]") {
  // The owner table must come out right whichever job is listed first: each move releases its old
  // GPUs before either job claims the other's.
  for (const bool a_first : {true, false}) {
    const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
    scheduler_state s(c);
    s.submit(make_job("a", 100));
    s.submit(make_job("b", 100));
    decision start;
    start.run.push_back(place("a", "a100-40gb", {4}, {0, 1, 2, 3}));
    start.run.push_back(place("b", "a100-40gb", {4}, {4, 5, 6, 7}));
    s.apply(start);
    require_sound(s);

    decision swap;
    const auto pa = place("a", "a100-40gb", {4}, {4, 5, 6, 7});
    const auto pb = place("b", "a100-40gb", {4}, {0, 1, 2, 3});
    swap.run = a_first ? std::vector<placement>{pa, pb} : std::vector<placement>{pb, pa};
    REQUIRE(s.validate(swap).empty());
    const auto rep = s.apply(swap);
    REQUIRE(rep.moved.size() == 2);
    require_sound(s);
    REQUIRE(s.busy_gpus() == 8);
    for (gpu_id g = 0; g < 4; ++g) REQUIRE(s.owner_of(g)->spec.id == "b");
    for (gpu_id g = 4; g < 8; ++g) REQUIRE(s.owner_of(g)->spec.id == "a");
  }
}

TEST_CASE("state: a failed node re-queues its jobs with their progress", "[schedule][state]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 2, 0);
  scheduler_state s(c);
  s.submit(make_job("a", 100));
  s.submit(make_job("b", 100));
  s.submit(make_job("c", 100));
  decision d;
  d.run.push_back(place("a", "a100-40gb", {2, 2}, {2, 3, 4, 5}));  // spans nodes 0 and 1
  d.run.push_back(place("b", "a100-40gb", {2}, {6, 7}));
  d.run.push_back(place("c", "a40", {1}, {8}));
  s.apply(d);
  s.find("a")->remaining_iterations = 60;  // 40 iterations done
  s.find("a")->exec_s = 1200.0;
  const auto requeued = s.fail_node(1);
  require_sound(s);
  REQUIRE(requeued == std::vector<std::string>{"a", "b"});
  const job_record& a = *s.find("a");
  REQUIRE(a.state == job_state::pending);
  REQUIRE(a.remaining_iterations == 60);
  REQUIRE(a.base_iterations == 60);
  REQUIRE(a.exec_s == 0.0);
  REQUIRE(a.restarts == 1);
  REQUIRE(s.find("c")->state == job_state::running);
  REQUIRE(s.busy_gpus() == 1);
  REQUIRE_FALSE(s.nodes()[1].up);

  decision onto_down;
  onto_down.run.push_back(place("b", "a100-40gb", {2}, {4, 5}));
  REQUIRE_FALSE(s.validate(onto_down).empty());
  s.repair_node(1);
  REQUIRE(s.validate(onto_down).empty());
  s.apply(onto_down);
  require_sound(s);
  // Nothing lost: every submitted job is in exactly one state.
  REQUIRE(s.count(job_state::pending) + s.count(job_state::running) + s.count(job_state::finished) +
              s.count(job_state::dropped) ==
          3);
}

TEST_CASE("state: a broken invariant is an internal_error, one cellsched::error like bad input", "[schedule][state]") {
  static_assert(std::is_base_of_v<error, input_error> && std::is_base_of_v<error, internal_error> &&
                std::is_base_of_v<error, policy_state_error> && std::is_base_of_v<std::runtime_error, error>);
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  scheduler_state s(c);
  s.submit(make_job("a", 100));
  REQUIRE_THROWS_AS(s.finish("a", 1.0), internal_error);   // pending, not running
  REQUIRE_THROWS_AS(s.finish("zz", 1.0), internal_error);  // unknown
  try {
    s.finish("zz", 1.0);
  } catch (const error& e) {
    REQUIRE(std::string(e.what()).find("unknown job 'zz'") != std::string::npos);
  }
}
