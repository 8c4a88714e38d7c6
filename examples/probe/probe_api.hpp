#pragma once
// The probe library's interface in plain C++: the `cellsched probe` command (compiled by the host
// compiler) calls these; probe_main.cu implements them with CUDA, cuBLASLt and NCCL.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <cellsched/estimate/profile.hpp>
#include <cellsched/probe/sweep.hpp>

namespace cellsched::probe {

struct device_info {
  int index = 0;               ///< CUDA device ordinal
  std::string name;            ///< cudaDeviceProp::name, e.g. "NVIDIA H100 80GB HBM3"
  std::int64_t mem_bytes = 0;  ///< total device memory
  std::int64_t free_bytes = 0;
  std::int64_t l2_bytes = 0;
  int sm_count = 0;
  int cc_major = 0, cc_minor = 0;  ///< compute capability
};

struct system_info {
  std::vector<device_info> devices;  ///< the devices this process drives (one per rank under MPI)
  std::string driver_version;        ///< kernel driver version when readable, and the CUDA version it supports
  std::string runtime_version;       ///< CUDA runtime the probe was built against, e.g. "13.0"
  std::string nccl_version;          ///< e.g. "2.28.9"; empty when built without NCCL
  int rank = 0;                      ///< MPI rank (0 without MPI)
  int world_ranks = 1;               ///< MPI ranks (1 without MPI)
  int num_nodes = 1;                 ///< nodes the run spans
  int total_gpus = 0;                ///< GPUs the whole run drives
};

/// Devices the CUDA runtime sees; 0 when it reports an error (no driver, no device).
[[nodiscard]] int cuda_device_count() noexcept;
[[nodiscard]] bool built_with_nccl() noexcept;
[[nodiscard]] bool built_with_mpi() noexcept;

/// Brackets a probe run: MPI_Init / MPI_Finalize in an MPI build, nothing otherwise. Create one before
/// any other call and keep it alive until the end.
class runtime_scope {
 public:
  runtime_scope();
  ~runtime_scope();
  runtime_scope(const runtime_scope&) = delete;
  runtime_scope& operator=(const runtime_scope&) = delete;
};

/// Describes the devices, driver, runtime and NCCL. Throws cuda_error-derived std::runtime_error when a
/// CUDA call fails and std::runtime_error when there is no device.
[[nodiscard]] system_info detect_system();

struct sweep_options {
  probe_mode mode = probe_mode::quick;
  double budget_s = default_budget_s(probe_mode::quick);  ///< wall clock for the whole run
  bool gemm = true;
  bool memory = true;
  bool collectives = true;
  std::function<void(const std::string&)> log;  ///< progress lines (rank 0 only); may be empty
};

struct sweep_result {
  std::vector<gemm_point> gemm;
  std::vector<bandwidth_point> memory;
  std::vector<collective_series> collectives;
  std::vector<std::string> notes;  ///< what was skipped and why
  double elapsed_s = 0.0;
};

/// Runs the sweeps of `opt.mode` within the budget: collectives over every group size (all ranks take
/// part), then memory bandwidth and the GEMM grid on the first device of rank 0. Each sweep measures its
/// first point whatever the budget, so the result is never empty. Under MPI every rank
/// must call it; only rank 0's result holds the GEMM and memory points.
[[nodiscard]] sweep_result run_sweeps(const system_info& sys, const sweep_options& opt);

/// Times each GEMM on `device` (targeted probe of a Cell's stage), in order.
[[nodiscard]] std::vector<gemm_point> measure_gemms(const std::vector<gemm_problem>& problems, int device,
                                                    repeat_policy policy);

}  // namespace cellsched::probe
