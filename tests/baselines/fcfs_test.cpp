#include <catch2/catch.hpp>

#include <cellsched/schedule/baselines/fcfs.hpp>

#include "fixtures.hpp"

using namespace cellsched;
using namespace test_baselines;

namespace {

// Type "a": 2 nodes x 4 GPUs; type "b": 1 node x 2 GPUs. Model "m" runs on any listed layout.
mini_host two_types() {
  table_oracle o;
  for (const node_layout& l : std::vector<node_layout>{{1}, {2}, {4}, {4, 4}, {2, 2}, {1, 1}}) o.set("m", "a", l, 1.0);
  o.set("m", "b", {1}, 1.0);
  o.set("m", "b", {2}, 1.0);
  return mini_host(make_cluster({{"a", 2, 4}, {"b", 1, 2}}), o);
}

}  // namespace

TEST_CASE("FCFS: submission order per type, no backfill, other types go on", "[baselines][fcfs]") {
  mini_host h = two_types();
  fcfs_policy p;
  h.submit(make_job("j1", "m", 0, "a", 4));
  REQUIRE(h.step(p).empty());
  REQUIRE(h.running("j1"));
  h.submit(make_job("j2", "m", 1, "a", 8));  // needs both nodes: waits
  h.submit(make_job("j3", "m", 2, "a", 2));  // would fit on the free node, but j2 (same type) waits first
  h.submit(make_job("j4", "m", 3, "b", 1));  // another type: starts
  REQUIRE(h.step(p).empty());
  CHECK_FALSE(h.running("j2"));
  CHECK_FALSE(h.running("j3"));
  CHECK(h.running("j4"));
  CHECK(h.gpus_of("j1") == 4);
  // Nothing departs: nothing changes, even though j3 would fit.
  REQUIRE(h.step(p).empty());
  CHECK_FALSE(h.running("j3"));
  // j1 leaves: j2 takes all 8 GPUs, j3 still waits behind it.
  h.finish("j1");
  REQUIRE(h.step(p).empty());
  CHECK(h.running("j2"));
  CHECK(h.gpus_of("j2") == 8);
  CHECK_FALSE(h.running("j3"));
  h.finish("j2");
  REQUIRE(h.step(p).empty());
  CHECK(h.running("j3"));
  CHECK(h.type_of("j3") == "a");
  CHECK(h.gpus_of("j3") == 2);
}

TEST_CASE("FCFS: a blocked job of one type does not stop a waiting job of another", "[baselines][fcfs]") {
  mini_host h = two_types();
  fcfs_policy p;
  h.submit(make_job("big", "m", 0, "a", 8));
  h.submit(make_job("b1", "m", 0, "b", 2));
  REQUIRE(h.step(p).empty());
  REQUIRE(h.running("big"));
  REQUIRE(h.running("b1"));
  h.submit(make_job("a2", "m", 1, "a", 4));  // waits for "big"
  h.submit(make_job("b2", "m", 1, "b", 2));  // waits for "b1"
  REQUIRE(h.step(p).empty());
  h.finish("b1");
  REQUIRE(h.step(p).empty());
  CHECK_FALSE(h.running("a2"));
  CHECK(h.running("b2"));
}

TEST_CASE("FCFS: requested type and count at best locality on the emptiest nodes", "[baselines][fcfs]") {
  mini_host h = two_types();
  fcfs_policy p;
  h.submit(make_job("small", "m", 0, "a", 2));
  REQUIRE(h.step(p).empty());
  const node_id first = h.topology().node_of(h.status("small").alloc->gpus.front());
  h.submit(make_job("four", "m", 1, "a", 4));
  REQUIRE(h.step(p).empty());
  REQUIRE(h.running("four"));
  // One whole node, and not the one "small" sits on.
  CHECK(h.status("four").alloc->layout == node_layout{4});
  CHECK(h.topology().node_of(h.status("four").alloc->gpus.front()) != first);
}

TEST_CASE("FCFS: no relaxed locality unless asked (fcfs-r)", "[baselines][fcfs]") {
  for (bool relaxed : {false, true}) {
    mini_host h = two_types();
    fcfs_policy p(fcfs_options{relaxed});
    h.submit(make_job("x", "m", 0, "a", 2));
    h.submit(make_job("y", "m", 0, "a", 2));
    REQUIRE(h.step(p).empty());
    // x and y sit on different nodes (most free first), leaving 2 + 2 free GPUs.
    REQUIRE(h.topology().node_of(h.status("x").alloc->gpus.front()) !=
            h.topology().node_of(h.status("y").alloc->gpus.front()));
    h.submit(make_job("z", "m", 1, "a", 4));
    REQUIRE(h.step(p).empty());
    CHECK(h.running("z") == relaxed);
    if (relaxed) CHECK(h.status("z").alloc->layout == node_layout{2, 2});
  }
}

TEST_CASE("FCFS: drops a job that cannot run at its request, and ignores DP memory", "[baselines][fcfs]") {
  mini_host h = two_types();
  table_oracle o = h.oracle();
  fcfs_policy p;
  h.submit(make_job("nope", "m", 0, "b", 4));         // 4 GPUs of "b" do not exist at best locality
  h.submit(make_job("unknown", "other", 0, "a", 1));  // model not in the table
  h.submit(make_job("noreq", "m", 0));                // no request at all
  REQUIRE(h.step(p).empty());
  CHECK(h.dropped("nope"));
  CHECK(h.dropped("unknown"));
  CHECK(h.dropped("noreq"));

  // A job whose plain data parallelism would not fit still runs under FCFS (it admits on best-plan time).
  o.set("dp", "a", {1}, 1.0, /*dp_ok=*/false);
  mini_host h2(make_cluster({{"a", 1, 4}}), o);
  h2.submit(make_job("dp1", "dp", 0, "a", 1));
  REQUIRE(h2.step(p).empty());
  CHECK(h2.running("dp1"));
}
