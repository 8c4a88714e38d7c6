#pragma once
// A probe profile: what the CUDA/NCCL microbenchmarks measured on one GPU type. The estimator reads it to
// replace its default efficiencies. JSON schema, units and how profiles are found: docs/formats/profile.md;
// reader/writer: io/profile_json.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

struct gemm_point {
  std::int64_t m = 0, n = 0, k = 0;
  dtype type = dtype::fp16;
  double time_s = 0.0;  ///< median time of one GEMM
  double tflops = 0.0;  ///< 2mnk / time / 1e12
  friend bool operator==(const gemm_point&, const gemm_point&) = default;
};

struct bandwidth_point {
  std::string kernel;  ///< "copy" or "triad"
  double bytes = 0.0;  ///< bytes moved (read + write)
  double time_s = 0.0;
  double gb_per_s = 0.0;  ///< bytes / time / 1e9
  friend bool operator==(const bandwidth_point&, const bandwidth_point&) = default;
};

struct collective_point {
  /// Operation size S as nccl-tests reports it (GitHub NVIDIA/nccl-tests, doc/PERFORMANCE.md): the per-rank
  /// buffer for all-reduce and send/recv, the whole gathered/scattered array (n x the per-rank part) for
  /// all-gather and reduce-scatter.
  double bytes = 0.0;
  double time_s = 0.0;         ///< median time of one operation
  double algo_gb_per_s = 0.0;  ///< S / time / 1e9
  double bus_gb_per_s = 0.0;   ///< algo x the nccl-tests factor (probe/busbw.hpp)
  friend bool operator==(const collective_point&, const collective_point&) = default;
};

struct collective_series {
  std::string op;                        ///< "all_reduce", "all_gather", "reduce_scatter", "send_recv"
  int group_size = 2;                    ///< ranks
  int num_nodes = 1;                     ///< nodes the group spans
  std::vector<collective_point> points;  ///< ascending bytes
  friend bool operator==(const collective_series&, const collective_series&) = default;
};

struct probe_profile {
  std::string gpu_type;     ///< canonical catalog name this profile calibrates
  std::string device_name;  ///< as the driver reports it, e.g. "NVIDIA H100 80GB HBM3"
  std::string driver_version;
  std::string cuda_version;
  std::string nccl_version;
  std::string date;  ///< ISO 8601
  std::string host;
  std::string mode;                ///< "quick" or "full"
  std::string tool;                ///< what measured it, e.g. "cellsched 0.1.0 probe"
  int num_gpus = 1;                ///< GPUs the probe ran on (all ranks)
  std::vector<std::string> notes;  ///< provenance remarks, e.g. what a time budget cut short
  std::vector<gemm_point> gemm;
  std::vector<bandwidth_point> memory;
  std::vector<collective_series> collectives;
  std::string source;  ///< file it was loaded from (not serialised)
  friend bool operator==(const probe_profile&, const probe_profile&) = default;
};

}  // namespace cellsched
