#include <catch2/catch.hpp>

#include <cellsched/schedule/baselines/elasticflow.hpp>

#include "fixtures.hpp"

using namespace cellsched;
using namespace test_baselines;

namespace {

// Throughputs are batch / time with batch 120: time = 120 / samples_per_s.
void set_thr(table_oracle& o, const std::string& model, const std::string& type, const node_layout& l,
             double samples_per_s, bool dp_ok = true) {
  o.set(model, type, l, 120.0 / samples_per_s, dp_ok);
}

job ef_job(const std::string& id, const std::string& model, double t) {
  return make_job(id, model, t, "a", 1, 1000, 120);
}

}  // namespace

TEST_CASE("ElasticFlow-LS: a lone job grows to the whole type, then shrinks for a newcomer",
          "[baselines][elasticflow]") {
  table_oracle o;
  for (const std::string m : {"p", "q"}) {
    set_thr(o, m, "a", {1}, 10);
    set_thr(o, m, "a", {2}, 20);
    set_thr(o, m, "a", {4}, 40);
  }
  mini_host h(make_cluster({{"a", 1, 4}}), o);
  elasticflow_policy pol;
  h.submit(ef_job("p", "p", 0));
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("p") == 4);
  h.submit(ef_job("q", "q", 1));
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("p") == 2);
  CHECK(h.gpus_of("q") == 2);
  h.finish("q");
  h.submit(ef_job("r", "q", 2));  // a newcomer re-spreads the type: r and p share it again
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("p") + h.gpus_of("r") == 4);
}

TEST_CASE("ElasticFlow-LS: spare GPUs go to the largest marginal return", "[baselines][elasticflow]") {
  // 3 nodes x 2 GPUs. Steps from 1 + 1 with 4 spare: p 1->2 (+10) beats q (+5); then q 1->2 (+5) beats
  // p 2->4 (+4); then q 2->4 (+25). Result p = 2, q = 4 (hand-checked).
  table_oracle o;
  set_thr(o, "p", "a", {1}, 10);
  set_thr(o, "p", "a", {2}, 20);
  set_thr(o, "p", "a", {2, 2}, 24);
  set_thr(o, "q", "a", {1}, 10);
  set_thr(o, "q", "a", {2}, 15);
  set_thr(o, "q", "a", {2, 2}, 40);
  mini_host h(make_cluster({{"a", 3, 2}}), o);
  elasticflow_policy pol;
  h.submit(ef_job("p", "p", 0));
  h.submit(ef_job("q", "q", 0));
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("p") == 2);
  CHECK(h.gpus_of("q") == 4);
  CHECK(h.status("q").alloc->layout == node_layout{2, 2});
}

TEST_CASE("ElasticFlow-LS: minimum share follows DP memory; a job that never fits blocks its type",
          "[baselines][elasticflow]") {
  table_oracle o;
  set_thr(o, "big", "a", {1}, 10, /*dp_ok=*/false);
  set_thr(o, "big", "a", {2}, 18);
  set_thr(o, "never", "a", {1}, 10, false);
  set_thr(o, "never", "a", {2}, 18, false);
  set_thr(o, "s", "a", {1}, 10);
  mini_host h(make_cluster({{"a", 1, 2}}), o);
  elasticflow_policy pol;
  h.submit(ef_job("big", "big", 0));
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("big") == 2);  // 1 GPU would run, but plain DP would not fit there
  h.submit(ef_job("never", "never", 1));
  h.submit(ef_job("s1", "s", 1));
  REQUIRE(h.step(pol).empty());
  CHECK_FALSE(h.running("never"));
  CHECK_FALSE(h.running("s1"));  // no share left: big needs both GPUs
  h.finish("big");
  REQUIRE(h.step(pol).empty());
  // The retry walks the queue in order: "never" cannot be admitted and blocks s1 behind it.
  CHECK_FALSE(h.running("never"));
  CHECK_FALSE(h.running("s1"));
  // A newcomer is still tried on arrival.
  h.submit(ef_job("s2", "s", 2));
  REQUIRE(h.step(pol).empty());
  CHECK(h.running("s2"));
}
