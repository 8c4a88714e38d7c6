#pragma once
// The reference simulator's recorded results on the Philly experiment (1,280 GPUs, 2,000 rounds of
// 300 s), recomputed from the per-job arrays the artifact's authors published (docs/reference-simulator.md §4).
#include <string>
#include <vector>

namespace cellsched::sim {

struct recorded_result {
  std::string policy;
  int finished = 0;
  double avg_jct_s = 0.0;
  double avg_throughput = 0.0;
  double peak_throughput = 0.0;  ///< 0 when not recorded
};

[[nodiscard]] inline const std::vector<recorded_result>& reference_philly_results() {
  static const std::vector<recorded_result> r = {
      {"crius", 828, 41648.0, 6770.6, 10994.3},
      {"fcfs", 590, 83192.0, 4367.5, 0.0},
      {"elasticflow-ls", 573, 55515.0, 4622.8, 0.0},
      {"gavel", 642, 64879.0, 5039.3, 0.0},
      {"sia", 633, 44394.0, 5016.8, 0.0},
      {"gandiva", 608, 78455.0, 4612.5, 0.0},
  };
  return r;
}

[[nodiscard]] inline const recorded_result* find_reference_result(const std::string& policy) {
  for (const auto& r : reference_philly_results())
    if (r.policy == policy) return &r;
  return nullptr;
}

}  // namespace cellsched::sim
