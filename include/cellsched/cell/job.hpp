#pragma once
// A training job as submitted: what to train, how much, and what the user asked for.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cellsched {

struct job {
  std::string id;
  std::string model;                 ///< model name resolved through the model zoo, e.g. "bert__2.6B"
  std::int64_t global_batch = 0;     ///< samples per iteration
  std::int64_t iterations = 0;       ///< iterations to run
  double submit_time_s = 0.0;
  std::optional<double> deadline_s;  ///< absolute time
  std::optional<std::string> requested_gpu_type;  ///< canonical GPU type name; FCFS honours it
  int requested_gpus = 0;            ///< 0 = no request
  double weight = 1.0;
  /// Where the host files the job (a queue or partition name; empty: none) and free-form labels; a
  /// pilot selector (schedule/job_selector.hpp) picks jobs by them. No policy reads them otherwise.
  std::string queue;
  std::vector<std::string> labels;
};

}  // namespace cellsched
