#include <catch2/catch.hpp>

#include <cellsched/schedule/baselines/gandiva.hpp>

#include "fixtures.hpp"

using namespace cellsched;
using namespace test_baselines;

namespace {

std::vector<gpu_id> gpus(mini_host& h, const std::string& id) { return h.status(id).alloc->gpus; }

}  // namespace

TEST_CASE("Gandiva: consolidates a job spread over partly used nodes", "[baselines][gandiva]") {
  table_oracle o;
  for (const node_layout& l : std::vector<node_layout>{{1}, {2}, {4}, {2, 2}}) o.set("m", "a", l, 1.0);
  gandiva_options opts;
  opts.grow = false;
  gandiva_policy p(opts);
  mini_host h(make_cluster({{"a", 3, 4}}), o);
  h.submit(make_job("x", "m", 0, "a", 4));
  h.submit(make_job("y", "m", 0, "a", 2));
  h.submit(make_job("z", "m", 0, "a", 2));
  h.run_on("x", "a", {0, 1, 4, 5});  // spread 2 + 2 over nodes 0 and 1
  h.run_on("y", "a", {2, 3});        // fills node 0
  h.run_on("z", "a", {8, 9});        // on node 2
  h.finish("z");                     // a departure starts the migration search
  REQUIRE(h.step(p).empty());
  // Node 1 had 2 idle GPUs next to x's two: x moves there whole.
  CHECK(h.status("x").alloc->layout == node_layout{4});
  CHECK(gpus(h, "x") == std::vector<gpu_id>{4, 5, 6, 7});
  CHECK(gpus(h, "y") == std::vector<gpu_id>{2, 3});
  CHECK(h.moves("y") == 0);
}

TEST_CASE("Gandiva: grows a job on its own node while throughput rises, shrinks it for a newcomer",
          "[baselines][gandiva]") {
  table_oracle o;
  o.set("m", "a", {1}, 4.0);
  o.set("m", "a", {2}, 2.5);
  o.set("m", "a", {4}, 1.5);
  gandiva_policy p;
  mini_host h(make_cluster({{"a", 1, 4}}), o);
  h.submit(make_job("g", "m", 0, "a", 1));
  h.submit(make_job("tmp", "m", 0, "a", 1));
  REQUIRE(h.step(p).empty());
  REQUIRE(h.running("g"));
  const gpu_id first = gpus(h, "g").front();
  h.finish("tmp");
  REQUIRE(h.step(p).empty());
  // 1 -> 2 -> 4 GPUs: each doubling raises throughput (8/4 < 8/2.5 < 8/1.5).
  CHECK(h.gpus_of("g") == 4);
  // A new job needs 2 GPUs: g gives back the lent ones and returns to the GPU it started on.
  h.submit(make_job("n", "m", 1, "a", 2));
  REQUIRE(h.step(p).empty());
  CHECK(h.running("n"));
  CHECK(gpus(h, "g") == std::vector<gpu_id>{first});
  CHECK(h.gpus_of("n") == 2);
}

TEST_CASE("Gandiva: no growth when throughput does not rise or DP memory does not fit", "[baselines][gandiva]") {
  for (int variant = 0; variant < 2; ++variant) {
    table_oracle o;
    o.set("m", "a", {1}, 4.0);
    if (variant == 0)
      o.set("m", "a", {2}, 4.0);  // no gain
    else
      o.set("m", "a", {2}, 1.0, /*dp_ok=*/false);  // faster, but plain DP would not fit
    gandiva_policy p;
    mini_host h(make_cluster({{"a", 1, 4}}), o);
    h.submit(make_job("g", "m", 0, "a", 1));
    h.submit(make_job("tmp", "m", 0, "a", 1));
    REQUIRE(h.step(p).empty());
    h.finish("tmp");
    REQUIRE(h.step(p).empty());
    CHECK(h.gpus_of("g") == 1);
  }
}

TEST_CASE("Gandiva: admission like FCFS, with relaxed locality", "[baselines][gandiva]") {
  table_oracle o;
  for (const node_layout& l : std::vector<node_layout>{{2}, {4}, {2, 2}}) o.set("m", "a", l, 1.0);
  gandiva_options opts;
  opts.grow = false;
  gandiva_policy p(opts);
  mini_host h(make_cluster({{"a", 2, 4}}), o);
  h.submit(make_job("x", "m", 0, "a", 2));
  h.submit(make_job("y", "m", 0, "a", 2));
  h.submit(make_job("bad", "m", 0, "a", 1));  // 1 GPU is not in the table: dropped
  REQUIRE(h.step(p).empty());
  CHECK(h.dropped("bad"));
  h.submit(make_job("z", "m", 1, "a", 4));
  REQUIRE(h.step(p).empty());
  REQUIRE(h.running("z"));
  CHECK(h.status("z").alloc->layout == node_layout{2, 2});
}
