#pragma once
// Helpers of the scheduler-state tests: a job, a placement, and the invariants check.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <cellsched/schedule/state.hpp>

namespace state_fixtures {

inline cellsched::job make_job(const std::string& id, std::int64_t iters, double submit_s = 0.0) {
  cellsched::job j;
  j.id = id;
  j.model = "moe__690M";
  j.global_batch = 256;
  j.iterations = iters;
  j.submit_time_s = submit_s;
  return j;
}
inline cellsched::placement place(const std::string& id, const std::string& type, cellsched::node_layout layout,
                                  std::vector<cellsched::gpu_id> gpus) {
  cellsched::placement p;
  p.job_id = id;
  p.alloc.gpu_type = type;
  p.alloc.layout = std::move(layout);
  p.alloc.gpus = std::move(gpus);
  return p;
}
inline void require_sound(const cellsched::scheduler_state& s) {
  const auto v = s.check_invariants();
  INFO((v.empty() ? std::string() : v.front()));
  REQUIRE(v.empty());
}

}  // namespace state_fixtures
