// Every baseline on random small scenarios: each decision is valid for the host (no GPU double-booked,
// GPUs of the named type on nodes that are up, layout consistent), the optimisers move at most their
// limit of running jobs per admission, and the same inputs give the same decisions.
#include <catch2/catch.hpp>

#include <cellsched/schedule/baselines/elasticflow.hpp>
#include <cellsched/schedule/baselines/fcfs.hpp>
#include <cellsched/schedule/baselines/gandiva.hpp>
#include <cellsched/schedule/baselines/gavel.hpp>
#include <cellsched/schedule/baselines/sia.hpp>

#include <random>
#include <sstream>

#include "fixtures.hpp"

using namespace cellsched;
using namespace test_baselines;

namespace {

table_oracle random_oracle(std::mt19937& rng) {
  table_oracle o;
  std::uniform_real_distribution<double> speed(0.5, 3.0), eff(0.6, 1.0);
  std::bernoulli_distribution missing(0.1), dp_bad(0.2);
  for (int m = 0; m < 4; ++m)
    for (const auto& [type, cap] : std::vector<std::pair<std::string, int>>{{"a", 4}, {"b", 2}}) {
      const double base = speed(rng);
      for (int n = 1; n <= 16; n *= 2)
        for (int per = std::min(n, cap); per >= 1; per /= 2) {
          if (missing(rng)) continue;
          const double thr = base * n * std::pow(eff(rng), std::log2(n)) * (per < std::min(n, cap) ? 0.9 : 1.0);
          o.set(numbered("m", m), type, node_layout(static_cast<std::size_t>(n / per), per), 8.0 / thr, !dp_bad(rng));
        }
    }
  return o;
}

// Runs a random scenario; returns a transcript of every decision. Checks validity and move limits.
template <class Policy>
std::string run_scenario(Policy& pol, std::uint32_t seed, int max_moves_per_arrival) {
  std::mt19937 rng(seed);
  mini_host h(make_cluster({{"a", 3, 4}, {"b", 4, 2}}), random_oracle(rng));
  std::ostringstream log;
  int next = 0;
  for (int step = 0; step < 40; ++step) {
    h.set_time(100.0 * step);
    const int what = std::uniform_int_distribution<int>(0, 99)(rng);
    bool arrival_only = false;
    const auto running = h.running_ids();
    if (what < 65 || running.empty()) {
      const int n = 1 << std::uniform_int_distribution<int>(0, 3)(rng);
      h.submit(make_job(numbered("j", next++), numbered("m", static_cast<int>(rng() % 4)), 100.0 * step,
                        rng() % 2 ? "a" : "b", n));
      arrival_only = true;
    } else if (what < 93) {
      h.finish(running[rng() % running.size()]);
    } else {
      const node_id n = static_cast<node_id>(rng() % h.topology().nodes().size());
      h.set_node_up(n, what % 2 == 0);
    }
    std::map<std::string, std::vector<gpu_id>> before;
    for (const auto& id : h.running_ids()) before[id] = h.status(id).alloc->gpus;
    const decision d = pol.decide(h.snap());
    for (const auto& p : d.run)
      log << p.job_id << "@" << p.alloc.gpu_type << ":" << p.alloc.gpus.size() << "/" << p.alloc.gpus.front() << " ";
    for (const auto& id : d.preempt) log << "-" << id << " ";
    for (const auto& dj : d.dropped) log << "x" << dj.job_id << " ";
    log << "\n";
    const std::string err = h.apply(d);
    INFO("step " << step << ": " << err);
    REQUIRE(err.empty());
    if (arrival_only) {
      int moved = 0;
      for (const auto& [id, g] : before) moved += h.running(id) && h.status(id).alloc->gpus != g ? 1 : 0;
      CHECK(moved <= max_moves_per_arrival);
    }
  }
  return log.str();
}

template <class Make>
void check_policy(Make make, int max_moves_per_arrival) {
  for (std::uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    auto p1 = make();
    auto p2 = make();
    const std::string a = run_scenario(p1, seed, max_moves_per_arrival);
    const std::string b = run_scenario(p2, seed, max_moves_per_arrival);
    CHECK(a == b);
    CHECK(a.find('@') != std::string::npos);  // the scenario did start jobs
  }
}

}  // namespace

TEST_CASE("Baselines: valid and deterministic decisions on random scenarios", "[baselines]") {
  SECTION("fcfs") {
    check_policy([] { return fcfs_policy(); }, 0);
  }
  SECTION("gandiva") {
    check_policy([] { return gandiva_policy(); }, 1000);
  }
  SECTION("elasticflow-ls") {
    check_policy([] { return elasticflow_policy(); }, 1000);
  }
#ifdef CELLSCHED_HAVE_CBC
  SECTION("gavel") {
    check_policy([] { return gavel_policy(); }, 3);
  }
  SECTION("sia") {
    check_policy([] { return sia_policy(); }, 5);
  }
#endif
}
