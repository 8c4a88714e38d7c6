// Crius on scenarios small enough to follow by hand (throughputs set per model, type and layout).
// Every round's decision is validated and the state's invariants are checked after every operation.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crius_harness.hpp"

using namespace cellsched;
using crius_testing::contains;
using crius_testing::harness;
using crius_testing::make_job;

TEST_CASE("crius: a job starts only after another job is shrunk", "[schedule][crius]") {
  harness h(testing_fixtures::small_cluster(1, 0, 0, 0));  // one 4-GPU A100 node
  h.oracle.set("mA", "a100-40gb", 1, 4, 100);
  h.oracle.set("mA", "a100-40gb", 1, 2, 90);
  h.oracle.set("mA", "a100-40gb", 1, 1, 50);
  h.oracle.set("mB", "a100-40gb", 1, 2, 50);
  h.oracle.set("mB", "a100-40gb", 1, 1, 30);
  h.submit(make_job("A", "mA", "a100", 4));
  h.round();
  REQUIRE(h.gpus_of("A") == std::vector<gpu_id>{0, 1, 2, 3});

  // B needs 2 GPUs; none are free. Halving A loses 10 samples/s, halving B itself 20: A is shrunk
  // (keeping its first two GPUs) and B takes the other two. Gain: -10 + 50.
  h.submit(make_job("B", "mB", "a100", 2));
  const decision d = h.round();
  REQUIRE(d.preempt.empty());
  REQUIRE(d.run.size() == 2);
  REQUIRE(h.gpus_of("A") == std::vector<gpu_id>{0, 1});
  REQUIRE(h.gpus_of("B") == std::vector<gpu_id>{2, 3});
}

TEST_CASE("crius: a type change that raises summed throughput", "[schedule][crius]") {
  harness h(testing_fixtures::small_cluster(1, 0, 2, 0));  // A100 GPUs 0-3, A40 GPUs 4-5 and 6-7
  h.oracle.set("mA", "a100-40gb", 1, 4, 100);
  h.oracle.set("mA", "a100-40gb", 1, 2, 40);
  h.oracle.set("mA", "a40", 2, 2, 90);
  h.oracle.set("mA", "a40", 1, 2, 50);
  h.oracle.set("mB", "a100-40gb", 1, 4, 200);
  h.oracle.set("mB", "a100-40gb", 1, 2, 80);  // B runs on A100 only
  h.submit(make_job("A", "mA", "a100", 4));
  h.round();
  REQUIRE(h.type_of("A") == "a100-40gb");  // moving to A40 alone would lose 10 samples/s

  // B wants the A100 node. Best plan: move A to the A40 nodes (A: 100 -> 90) and start B there
  // (+200): 290 samples/s instead of 100. Shrinking A instead leaves no room for B's 4 GPUs.
  h.submit(make_job("B", "mB", "a100", 4));
  h.round();
  REQUIRE(h.type_of("A") == "a40");
  REQUIRE(h.gpus_of("A") == std::vector<gpu_id>{4, 5, 6, 7});
  REQUIRE(h.gpus_of("B") == std::vector<gpu_id>{0, 1, 2, 3});
}

TEST_CASE("crius: an opportunistic job is reclaimed by its blocker", "[schedule][crius]") {
  harness h(testing_fixtures::small_cluster(2, 0, 0, 0));  // two 4-GPU A100 nodes
  h.oracle.set("mX", "a100-40gb", 1, 2, 50);
  h.oracle.set("mB", "a100-40gb", 2, 4, 400);  // B runs only on 8 GPUs
  h.oracle.set("mO", "a100-40gb", 1, 2, 60);
  h.submit(make_job("X", "mX", "a100", 2));
  h.round();
  REQUIRE(h.gpus_of("X") == std::vector<gpu_id>{0, 1});

  // B (8 GPUs) cannot start while X holds 2; O, submitted after B, fits on the idle node and runs
  // opportunistically, making B its blocker.
  h.submit(make_job("B", "mB", "a100", 8));
  h.submit(make_job("O", "mO", "a100", 2));
  h.round();
  REQUIRE(h.state.find("B")->state == job_state::pending);
  REQUIRE(h.gpus_of("O") == std::vector<gpu_id>{4, 5});
  REQUIRE(h.state.find("O")->opportunistic);

  // X leaves: B may use the idle GPUs plus O's, so it starts on all 8 and O is suspended.
  h.finish("X");
  const decision d = h.round();
  REQUIRE(d.preempt == std::vector<std::string>{"O"});
  REQUIRE(h.gpus_of("B") == std::vector<gpu_id>{0, 1, 2, 3, 4, 5, 6, 7});
  REQUIRE(h.state.find("O")->state == job_state::pending);
}

TEST_CASE("crius: an upgrade after a departure", "[schedule][crius]") {
  harness h(testing_fixtures::small_cluster(1, 0, 0, 0));
  h.oracle.set("mA", "a100-40gb", 1, 2, 50);
  h.oracle.set("mB", "a100-40gb", 1, 2, 50);
  h.oracle.set("mB", "a100-40gb", 1, 4, 80);
  h.submit(make_job("A", "mA", "a100", 2));
  h.submit(make_job("B", "mB", "a100", 2));
  h.round();
  REQUIRE(h.gpus_of("A") == std::vector<gpu_id>{0, 1});
  REQUIRE(h.gpus_of("B") == std::vector<gpu_id>{2, 3});
  // A leaves; no arrivals, so running jobs are upgraded: doubling B gains 30 samples/s.
  h.finish("A");
  const decision d = h.round();
  REQUIRE(d.run.size() == 1);
  REQUIRE(h.gpus_of("B") == std::vector<gpu_id>{0, 1, 2, 3});
}

TEST_CASE("crius-ddl: a deadline makes an allocation unacceptable", "[schedule][crius]") {
  const auto scenario = [](bool deadline_mode) {
    crius_options o;
    o.deadline_aware = deadline_mode;
    auto h = std::make_unique<harness>(testing_fixtures::small_cluster(1, 0, 0, 0), o);
    h->oracle.set("mD", "a100-40gb", 1, 2, 10);  // 10 s per iteration: 1000 iterations take 10,000 s
    job d1 = make_job("D1", "mD", "a100", 2);
    d1.deadline_s = 20000.0;  // 20 s tuning + 300 s + 10,000 s fits
    job d2 = make_job("D2", "mD", "a100", 2);
    d2.deadline_s = 5000.0;  // cannot fit
    h->submit(d1);
    h->submit(d2);
    h->round();
    return h;
  };
  const auto plain = scenario(false);
  REQUIRE(plain->policy.name() == "crius");
  REQUIRE(plain->gpus_of("D2") == std::vector<gpu_id>{2, 3});

  const auto ddl = scenario(true);
  REQUIRE(ddl->policy.name() == "crius-ddl");
  REQUIRE(ddl->gpus_of("D1") == std::vector<gpu_id>{0, 1});
  REQUIRE(ddl->state.find("D2")->state == job_state::pending);
  // D2 waits until its deadline falls before the next round's start (t = 4,800 + 300 >= 5,000).
  std::vector<std::string> dropped;
  while (dropped.empty() && ddl->now_s < 10000) {
    const double at = ddl->now_s;
    const decision d = ddl->round();
    for (const auto& x : d.dropped) dropped.push_back(x.job_id);
    if (!dropped.empty()) REQUIRE(at == 4800.0);
  }
  REQUIRE(dropped == std::vector<std::string>{"D2"});
  REQUIRE(ddl->state.find("D2")->state == job_state::dropped);
}

TEST_CASE("crius: node failure mid-run re-queues the job, which resumes elsewhere", "[schedule][crius]") {
  harness h(testing_fixtures::small_cluster(2, 0, 0, 0));
  h.oracle.set("mF", "a100-40gb", 1, 4, 100);
  h.oracle.set("mG", "a100-40gb", 1, 2, 40);
  h.submit(make_job("F", "mF", "a100", 4));
  h.submit(make_job("G", "mG", "a100", 2));
  h.round();
  REQUIRE(h.gpus_of("F") == std::vector<gpu_id>{0, 1, 2, 3});
  REQUIRE(h.gpus_of("G") == std::vector<gpu_id>{4, 5});
  h.state.find("F")->remaining_iterations = 700;  // the host ran 300 iterations

  h.fail_node(0);
  REQUIRE(h.state.find("F")->state == job_state::pending);
  h.round();
  // F cannot have node 1 whole (G holds 2 GPUs) and has no other layout: it waits, nothing lost.
  REQUIRE(h.state.find("F")->state == job_state::pending);
  REQUIRE(h.state.find("F")->remaining_iterations == 700);
  h.finish("G");
  h.round();
  REQUIRE(h.gpus_of("F") == std::vector<gpu_id>{4, 5, 6, 7});
  REQUIRE(h.state.find("F")->remaining_iterations == 700);
  REQUIRE(h.state.find("F")->restarts == 1);

  h.state.repair_node(0);
  h.events.push_back({event_kind::node_repair, "", 0});
  h.round();
  h.finish("F");
  REQUIRE(h.state.count(job_state::finished) == 2);
  REQUIRE(h.state.count(job_state::pending) + h.state.count(job_state::running) == 0);
}
