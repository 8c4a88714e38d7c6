#pragma once
// A probe profile: what the CUDA/NCCL microbenchmarks measured on one GPU type. The estimator reads it to
// replace its default efficiencies. JSON schema: docs/FORMATS.md ("probe profile").
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

struct gemm_point {
  std::int64_t m = 0, n = 0, k = 0;
  dtype type = dtype::fp16;
  double time_s = 0.0;   ///< median time of one GEMM
  double tflops = 0.0;   ///< 2mnk / time
};

struct bandwidth_point {
  std::string kernel;    ///< "copy" or "triad"
  double bytes = 0.0;    ///< bytes moved (read + write)
  double time_s = 0.0;
  double gb_per_s = 0.0;
};

struct collective_point {
  double bytes = 0.0;        ///< message size per rank
  double time_s = 0.0;       ///< median
  double algo_gb_per_s = 0.0;
  double bus_gb_per_s = 0.0; ///< nccl-tests convention
};

struct collective_series {
  std::string op;          ///< "all_reduce", "all_gather", "reduce_scatter", "send_recv"
  int group_size = 2;      ///< ranks
  int num_nodes = 1;       ///< nodes the group spans
  std::vector<collective_point> points;
};

struct probe_profile {
  std::string gpu_type;      ///< canonical catalog name this profile calibrates
  std::string device_name;   ///< as the driver reports it, e.g. "NVIDIA H100 80GB HBM3"
  std::string driver_version;
  std::string cuda_version;
  std::string nccl_version;
  std::string date;          ///< ISO 8601
  std::string host;
  std::string mode;          ///< "quick" or "full"
  std::vector<gemm_point> gemm;
  std::vector<bandwidth_point> memory;
  std::vector<collective_series> collectives;
  std::string source;        ///< file it was loaded from (not serialised)
};

}  // namespace cellsched
