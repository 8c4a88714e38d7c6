#include <catch2/catch.hpp>

#include <cellsched/schedule/baselines/sia.hpp>

#include "fixtures.hpp"

using namespace cellsched;
using namespace test_baselines;

#ifdef CELLSCHED_HAVE_CBC

namespace {

// Batch 120: time = 120 / samples_per_s. Linear scaling: n GPUs give 10 n samples/s.
table_oracle linear(const std::string& model, const std::string& type, int max_per_node) {
  table_oracle o;
  for (int n = 1; n <= 16; n *= 2) {
    const node_layout l =
        n <= max_per_node ? node_layout{n} : node_layout(static_cast<std::size_t>(n / max_per_node), max_per_node);
    o.set(model, type, l, 120.0 / (10.0 * n));
  }
  return o;
}
job sjob(const std::string& id, double t, int n = 1) { return make_job(id, "m", t, "a", n, 100000, 120); }

}  // namespace

static sia_options published() {
  sia_options o;
  o.penalty = sia_penalty::paper;
  o.rescale_running_jobs = true;
  return o;
}

TEST_CASE("Sia (published form): the fairness exponent shares GPUs", "[baselines][sia]") {
  for (double p : {0.5, 1.0}) {
    mini_host h(make_cluster({{"a", 1, 4}}), linear("m", "a", 4));
    sia_options opts = published();
    opts.fairness_p = p;
    sia_policy pol(opts);
    h.submit(sjob("A", 0));
    REQUIRE(h.step(pol).empty());
    CHECK(h.gpus_of("A") == 4);  // values sqrt(n) + 1 (or n + 1): 4 GPUs is best either way
    h.set_time(100);
    h.submit(sjob("B", 100));
    REQUIRE(h.step(pol).empty());
    // A has run 100 s: r = 100 / 700. p = 0.5: keeping A on 4 scores 2; moving A to 2 and placing B on 2
    // scores sqrt(2 r) + sqrt(2) + 1 = 2.95. p = 1: 4 against 2 r + 2 + 1 = 3.29, so B waits.
    if (p == 0.5) {
      CHECK(h.gpus_of("A") == 2);
      CHECK(h.gpus_of("B") == 2);
    } else {
      CHECK(h.gpus_of("A") == 4);
      CHECK_FALSE(h.running("B"));
    }
  }
}

TEST_CASE("Sia: one configuration per job, type chosen freely", "[baselines][sia]") {
  table_oracle o;
  o.set("m", "slow", {1}, 12.0);
  o.set("m", "fast", {1}, 4.0);
  o.set("m", "fast", {2}, 2.0);
  mini_host h(make_cluster({{"slow", 1, 2}, {"fast", 1, 2}}), o);
  sia_policy pol;
  h.submit(make_job("j", "m", 0, "slow", 1, 1000, 120));  // asked for "slow"; Sia may move it
  REQUIRE(h.step(pol).empty());
  CHECK(h.type_of("j") == "fast");
  CHECK(h.gpus_of("j") == 2);
}

TEST_CASE("Sia: with a branch-and-bound node limit, decisions stay valid and use the best solution found",
          "[baselines][sia]") {
  int unlimited_running = -1;
  for (const long limit : {-1L, 0L, 1L, 20000L}) {
    mini_host h(make_cluster({{"a", 2, 4}, {"b", 1, 4}}), [] {
      table_oracle o = linear("m", "a", 4);
      for (int n = 1; n <= 4; n *= 2) o.set("m", "b", {n}, 120.0 / (7.0 * n));
      return o;
    }());
    sia_options opts;
    opts.milp_max_nodes = limit;
    sia_policy pol(opts);
    for (int i = 0; i < 10; ++i) h.submit(sjob("j" + std::to_string(i), 10.0 * i, 1 + i % 3 == 2 ? 2 : 1));
    for (int round = 0; round < 4; ++round) {
      h.set_time(100.0 * round);
      INFO("limit " << limit << " round " << round);
      REQUIRE(h.step(pol).empty());  // every decision valid: no GPU twice, capacity respected
    }
    int running = 0;
    for (int i = 0; i < 10; ++i) running += h.running("j" + std::to_string(i)) ? 1 : 0;
    CHECK(running >= 1);
    // Programs this small are solved at the root: a limit changes nothing.
    if (limit < 0) unlimited_running = running;
    CHECK(running == unlimited_running);
  }
}

TEST_CASE("Sia: drops a job that runs nowhere at its requested count", "[baselines][sia]") {
  mini_host h(make_cluster({{"a", 2, 4}}), linear("m", "a", 4));
  sia_policy pol;
  h.submit(make_job("odd", "m", 0, "a", 3, 1000, 120));  // 3 GPUs is not a configuration
  REQUIRE(h.step(pol).empty());
  CHECK(h.dropped("odd"));
}

TEST_CASE("Sia (published form): earlier partitions keep the capacity they hold", "[baselines][sia]") {
  // Five jobs arrive one after another on 8 GPUs. In one program each newcomer is admitted by shrinking
  // a running job (the gain sqrt(n) + 1 beats the penalised loss). With two jobs per program the running
  // jobs of the first program keep their GPUs, so from the third job on nothing is left for newcomers.
  for (int per : {200, 2}) {
    mini_host h(make_cluster({{"a", 2, 4}}), linear("m", "a", 4));
    sia_options opts = published();
    opts.max_jobs_per_milp = per;
    sia_policy pol(opts);
    int running = 0, used = 0;
    for (int i = 0; i < 5; ++i) {
      h.submit(sjob("j" + std::to_string(i), 0));
      REQUIRE(h.step(pol).empty());
    }
    for (int i = 0; i < 5; ++i) {
      running += h.running("j" + std::to_string(i)) ? 1 : 0;
      used += h.gpus_of("j" + std::to_string(i));
    }
    CHECK(running == (per == 200 ? 5 : 2));
    CHECK(used == 8);
  }
}

TEST_CASE("Sia (reference form): running jobs keep their count; a newcomer takes the best configuration that fits",
          "[baselines][sia]") {
  table_oracle o = linear("m", "fast", 4);
  for (int n = 1; n <= 4; n *= 2) o.set("m", "slow", {n}, 120.0 / (5.0 * n));
  mini_host h(make_cluster({{"fast", 1, 4}, {"slow", 1, 4}}), o);
  sia_policy pol;
  h.submit(make_job("A", "m", 0, "slow", 1, 100000, 120));
  REQUIRE(h.step(pol).empty());
  CHECK(h.type_of("A") == "fast");  // asked for one slow GPU; Sia gives the largest, fastest configuration
  CHECK(h.gpus_of("A") == 4);
  h.set_time(3600);
  h.submit(make_job("B", "m", 3600, "fast", 1, 100000, 120));
  REQUIRE(h.step(pol).empty());
  CHECK(h.gpus_of("A") == 4);  // never rescaled while running
  CHECK(h.type_of("B") == "slow");
  CHECK(h.gpus_of("B") == 4);
  h.submit(make_job("C", "m", 3600, "fast", 1, 100000, 120));
  REQUIRE(h.step(pol).empty());
  CHECK_FALSE(h.running("C"));  // no GPU left anywhere: it waits
  h.finish("A");
  REQUIRE(h.step(pol).empty());
  CHECK(h.running("C"));
  CHECK(h.gpus_of("B") == 4);
}

TEST_CASE("Sia: a job whose DP memory fits on no GPU type and count never starts; sia-paper starts it",
          "[baselines][sia]") {
  // "big" runs everywhere by its best plan, but plain data parallelism never fits its memory; "part" fits
  // only on 4 GPUs of type b.
  table_oracle o;
  for (const char* t : {"a", "b"})
    for (int n = 1; n <= 4; n *= 2) {
      o.set("big", t, {n}, 120.0 / (10.0 * n), false);
      o.set("part", t, {n}, 120.0 / (10.0 * n), std::string(t) == "b" && n == 4);
    }
  for (const bool paper : {false, true}) {
    INFO((paper ? "sia-paper" : "sia"));
    mini_host h(make_cluster({{"a", 1, 4}, {"b", 1, 4}}), o);
    sia_policy pol(paper ? sia_paper_options() : sia_options{});
    CHECK(pol.name() == (paper ? "sia-paper" : "sia"));
    h.submit(make_job("big", "big", 0, "a", 1, 100000, 120));
    REQUIRE(h.step(pol).empty());
    CHECK_FALSE(h.dropped("big"));  // it waits: the rule keeps it from starting, it does not drop it
    CHECK(h.running("big") == paper);
    if (paper) continue;
    // Retries after a departure do not start it either, however many GPUs are free.
    h.set_time(300);
    h.submit(make_job("part", "part", 300, "a", 1, 100000, 120));
    REQUIRE(h.step(pol).empty());
    CHECK(h.running("part"));  // the rule only holds back jobs that fit nowhere
    h.finish("part");
    for (int round = 2; round < 5; ++round) {
      h.set_time(300.0 * round);
      REQUIRE(h.step(pol).empty());
      CHECK_FALSE(h.running("big"));
    }
    CHECK(h.running_ids().empty());
  }
}

#else

TEST_CASE("Sia: unavailable without COIN-OR CBC", "[baselines][sia]") {
  CHECK_FALSE(sia_policy::available());
  CHECK(std::string(sia_policy::unavailable_reason()) == "unavailable (built without COIN-OR CBC)");
}

#endif
