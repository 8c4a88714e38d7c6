// synchronized_oracle: threads share one oracle that caches on query; every key is asked of it once and
// every thread gets the answer the oracle gives alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <cellsched/schedule/synchronized_oracle.hpp>

using namespace cellsched;

namespace {
/// Counts the calls; the time depends on the key only, so a wrong memo key shows as a wrong answer.
struct counting_oracle {
  mutable std::atomic<int> calls{0};
  [[nodiscard]] perf_answer query(const job& j, const std::string& type, const node_layout& layout) const {
    ++calls;
    perf_answer a;
    a.feasible = true;
    int gpus = 0;
    for (int g : layout) gpus += g;
    a.iter_time_s = static_cast<double>(j.global_batch) / (gpus * (type == "a100" ? 2.0 : 1.0)) +
                    static_cast<double>(layout.size()) + static_cast<double>(j.model.size());
    return a;
  }
};
}  // namespace

TEST_CASE("synchronized_oracle: concurrent queries, one inner call per key, same answers", "[sim]") {
  const counting_oracle inner;
  const synchronized_oracle<counting_oracle> shared(inner);
  // Built through a helper: GCC 12 reports a false -Wrestrict on short literal assignments here.
  const auto make_job = [](std::string model, std::int64_t batch) {
    job j;
    j.model = std::move(model);
    j.global_batch = batch;
    return j;
  };
  const std::vector<job> jobs = {make_job("a", 64), make_job("bb", 64), make_job("a", 128)};
  const std::vector<node_layout> layouts = {{1}, {2}, {4, 4}, {2, 2, 2, 2}, {4, 2}, {2, 4}};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep)
        for (const auto& j : jobs)
          for (const auto& l : layouts)
            for (const char* type : {"a100", "a40"}) {
              const perf_answer got = shared.query(j, type, l);
              node_layout sorted = l;
              std::sort(sorted.begin(), sorted.end(), std::greater<>());
              counting_oracle alone;
              if (got.iter_time_s != alone.query(j, type, sorted).iter_time_s) ++wrong;
            }
    });
  for (auto& th : threads) th.join();
  REQUIRE(wrong == 0);
  // {4, 2} and {2, 4} are one key: 3 jobs x 5 layouts x 2 types.
  REQUIRE(inner.calls == 30);
  REQUIRE(shared.size() == 30);
}
