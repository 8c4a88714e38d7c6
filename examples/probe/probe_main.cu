// The probe library: implements probe_api.hpp with the CUDA/NCCL headers under cellsched/probe/. The one
// CUDA translation unit of the project, so that building it for several architectures stays affordable.
#include "probe_api.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <cuda_runtime.h>

#include <cellsched/probe/cuda_check.cuh>
#include <cellsched/probe/gemm_probe.cuh>
#include <cellsched/probe/membw_probe.cuh>
#include <cellsched/probe/sweep.hpp>
#ifdef CELLSCHED_PROBE_WITH_NCCL
#include <cellsched/probe/nccl_probe.cuh>
#endif
#ifdef CELLSCHED_PROBE_WITH_MPI
#include <mpi.h>  // after nccl_probe.cuh, which keeps OpenMPI's C++ bindings out
#endif

namespace cellsched::probe {

namespace {

using clock_type = std::chrono::steady_clock;

// "13000" -> "13.0" (cudaDriverGetVersion/cudaRuntimeGetVersion encode 1000*major + 10*minor).
std::string cuda_version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// The kernel driver's version from /proc/driver/nvidia/version ("... Kernel Module  580.82.07  ..."),
// readable without NVML on Linux; empty elsewhere.
std::string kernel_driver_version() {
  std::ifstream in("/proc/driver/nvidia/version");
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  std::istringstream words(line);
  std::string w, prev;
  while (words >> w) {
    if (prev == "Module") return w;
    prev = w;
  }
  return {};
}

void say(const sweep_options& opt, const system_info& sys, const std::string& line) {
  if (opt.log && sys.rank == 0) opt.log(line);
}

#ifdef CELLSCHED_PROBE_WITH_NCCL
// Rank 0 decides whether there is time for another point; under MPI every rank follows its decision so
// that all ranks enter the same collectives.
bool time_left(clock_type::time_point deadline) {
  int go = clock_type::now() < deadline ? 1 : 0;
#ifdef CELLSCHED_PROBE_WITH_MPI
  MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
  return go != 0;
}

std::vector<collective_series> sweep_group(nccl_group& g, const system_info& sys, const sweep_options& opt,
                                           clock_type::time_point deadline, std::vector<std::string>& notes) {
  std::vector<collective_series> out;
  const auto sizes = message_sizes_bytes(opt.mode);
  for (const auto& [name, op] : collective_op_names) {
    const std::string what = std::string(name) + " over " + std::to_string(g.ranks()) + " ranks";
    bool first = true;  // every series gets its smallest size, so a spent budget still leaves a latency point
    auto keep_going = [&](std::int64_t bytes) {
      if (std::exchange(first, false) || time_left(deadline)) return true;
      notes.push_back("budget: " + what + " stopped before " + std::to_string(bytes) + " bytes");
      return false;
    };
    collective_series s = sweep_collective(g, op, sizes, repeats_for(opt.mode), keep_going);
    say(opt, sys, "  " + what + ": " + std::to_string(s.points.size()) + " sizes");
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

// Send and receive buffers of the largest message, at most a quarter of free memory each; the same on
// every rank, since it decides which sizes are measured.
std::int64_t collective_buffer_bytes(const system_info& sys) {
  std::int64_t b = std::int64_t{1} << 30;  // the sweep's largest message
  for (const auto& d : sys.devices) b = std::min(b, d.free_bytes / 4);
#ifdef CELLSCHED_PROBE_WITH_MPI
  MPI_Allreduce(MPI_IN_PLACE, &b, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
#endif
  return b;
}
#endif

void sweep_collectives(const system_info& sys, const sweep_options& opt, clock_type::time_point deadline,
                       sweep_result& r) {
#ifdef CELLSCHED_PROBE_WITH_NCCL
  const std::int64_t buf = collective_buffer_bytes(sys);
#ifdef CELLSCHED_PROBE_WITH_MPI
  if (sys.world_ranks < 2) {
    r.notes.push_back("collectives: a single rank, nothing to measure");
    return;
  }
  {
    nccl_group world(MPI_COMM_WORLD, sys.devices.front().index, sys.num_nodes, buf);
    say(opt, sys, "collectives over all " + std::to_string(world.ranks()) + " ranks");
    for (auto& s : sweep_group(world, sys, opt, deadline, r.notes)) r.collectives.push_back(std::move(s));
  }
  // Within one node too, so the estimator can tell the intra-node link from the network.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, sys.rank, MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_size(node, &local);
  // Only when every node runs the same number of ranks: the nodes then make identical budget and size
  // decisions, which keeps the world-wide budget broadcasts matched.
  int min_local = local, max_local = local;
  MPI_Allreduce(&local, &min_local, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&local, &max_local, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (sys.num_nodes > 1 && min_local >= 2 && min_local == max_local) {
    nccl_group intra(node, sys.devices.front().index, 1, buf);
    say(opt, sys, "collectives within a node (" + std::to_string(intra.ranks()) + " ranks)");
    for (auto& s : sweep_group(intra, sys, opt, deadline, r.notes))
      if (sys.rank == 0) r.collectives.push_back(std::move(s));
  }
  MPI_Comm_free(&node);
#else
  const int n = static_cast<int>(sys.devices.size());
  const auto groups = collective_group_sizes(n, opt.mode);
  if (groups.empty()) r.notes.push_back("collectives: one GPU, nothing to measure");
  for (const int g : groups) {
    std::vector<int> devs;
    for (int i = 0; i < g; ++i) devs.push_back(sys.devices[static_cast<std::size_t>(i)].index);
    nccl_group group(devs, buf);
    say(opt, sys, "collectives over " + std::to_string(g) + " GPUs");
    for (auto& s : sweep_group(group, sys, opt, deadline, r.notes)) r.collectives.push_back(std::move(s));
  }
#endif
#else
  (void)sys;
  (void)opt;
  (void)deadline;
  r.notes.push_back("collectives: built without NCCL");
#endif
}

void sweep_memory(const system_info& sys, const sweep_options& opt, clock_type::time_point deadline, sweep_result& r) {
  const device_info& d = sys.devices.front();
  const auto sizes = membw_array_bytes(opt.mode, d.l2_bytes, d.free_bytes);
  if (sizes.empty()) r.notes.push_back("memory: not enough free device memory for a DRAM-bound array");
  membw_probe probe;
  for (const auto b : sizes) {
    if (!r.memory.empty() && clock_type::now() >= deadline) {  // the first size always runs
      r.notes.push_back("budget: memory bandwidth stopped before arrays of " + std::to_string(b) + " bytes");
      break;
    }
    const auto [copy, triad] = probe.measure(b, repeats_for(opt.mode));
    say(opt, sys,
        "  arrays of " + std::to_string(b >> 20) + " MiB: copy " + std::to_string(copy.gb_per_s) + " GB/s, triad " +
            std::to_string(triad.gb_per_s) + " GB/s");
    r.memory.push_back(copy);
    r.memory.push_back(triad);
  }
}

void sweep_gemm(const system_info& sys, const sweep_options& opt, clock_type::time_point deadline, sweep_result& r) {
  const auto grid = gemm_grid(opt.mode);
  gemm_probe probe;
  std::size_t done = 0;
  for (const auto& g : grid) {
    if (done > 0 && clock_type::now() >= deadline) {  // the first shape always runs
      r.notes.push_back("budget: GEMM sweep measured " + std::to_string(done) + " of " + std::to_string(grid.size()) +
                        " shapes");
      break;
    }
    r.gemm.push_back(probe.measure(g, repeats_for(opt.mode)));
    if (++done % 50 == 0 || done == grid.size())
      say(opt, sys, "  GEMM " + std::to_string(done) + "/" + std::to_string(grid.size()));
  }
}

}  // namespace

int cuda_device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky error for later calls
    return 0;
  }
  return n;
}

bool built_with_nccl() noexcept {
#ifdef CELLSCHED_PROBE_WITH_NCCL
  return true;
#else
  return false;
#endif
}

bool built_with_mpi() noexcept {
#ifdef CELLSCHED_PROBE_WITH_MPI
  return true;
#else
  return false;
#endif
}

runtime_scope::runtime_scope() {
#ifdef CELLSCHED_PROBE_WITH_MPI
  int ready = 0;
  MPI_Initialized(&ready);
  if (!ready) MPI_Init(nullptr, nullptr);
#endif
}

runtime_scope::~runtime_scope() {
#ifdef CELLSCHED_PROBE_WITH_MPI
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
#endif
}

system_info detect_system() {
  system_info s;
  const int count = cuda_device_count();
  if (count < 1) throw std::runtime_error("no CUDA device");
  int v = 0;
  CELLSCHED_CUDA_CHECK(cudaDriverGetVersion(&v));
  const std::string kernel = kernel_driver_version();
  s.driver_version = (kernel.empty() ? "" : kernel + ", ") + "CUDA " + cuda_version_string(v);
  CELLSCHED_CUDA_CHECK(cudaRuntimeGetVersion(&v));
  s.runtime_version = cuda_version_string(v);
#ifdef CELLSCHED_PROBE_WITH_NCCL
  s.nccl_version = nccl_version_string();
#endif
  std::vector<int> mine;
#ifdef CELLSCHED_PROBE_WITH_MPI
  MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &s.world_ranks);
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &node);
  int local_rank = 0;
  MPI_Comm_rank(node, &local_rank);
  MPI_Comm_free(&node);
  int leader = local_rank == 0 ? 1 : 0;
  MPI_Allreduce(&leader, &s.num_nodes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  mine.push_back(local_rank % count);  // one GPU per rank: launch with as many ranks per node as GPUs
  s.total_gpus = s.world_ranks;
#else
  for (int i = 0; i < count; ++i) mine.push_back(i);
  s.total_gpus = count;
#endif
  for (const int i : mine) {
    cudaDeviceProp p{};
    CELLSCHED_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    CELLSCHED_CUDA_CHECK(cudaSetDevice(i));
    std::size_t free_b = 0, total_b = 0;
    CELLSCHED_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    device_info d;
    d.index = i;
    d.name = p.name;
    d.mem_bytes = static_cast<std::int64_t>(p.totalGlobalMem);
    d.free_bytes = static_cast<std::int64_t>(free_b);
    d.l2_bytes = p.l2CacheSize;
    d.sm_count = p.multiProcessorCount;
    d.cc_major = p.major;
    d.cc_minor = p.minor;
    s.devices.push_back(d);
  }
  return s;
}

sweep_result run_sweeps(const system_info& sys, const sweep_options& opt) {
  if (sys.devices.empty()) throw std::invalid_argument("run_sweeps needs at least one device");
  sweep_result r;
  const auto start = clock_type::now();
  // Budget shares, as absolute deadlines so time one phase leaves unused passes to the next:
  // collectives until 40 %, memory until 50 %, GEMMs until the end.
  auto at = [&](double share) {
    return start +
           std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(share * opt.budget_s));
  };
  if (opt.collectives) sweep_collectives(sys, opt, at(0.4), r);
  if (sys.rank == 0) {
    CELLSCHED_CUDA_CHECK(cudaSetDevice(sys.devices.front().index));
    if (opt.memory) {
      say(opt, sys, "memory bandwidth on device " + std::to_string(sys.devices.front().index));
      sweep_memory(sys, opt, at(0.5), r);
    }
    if (opt.gemm) {
      say(opt, sys, "GEMM throughput on device " + std::to_string(sys.devices.front().index));
      sweep_gemm(sys, opt, at(1.0), r);
    }
  }
  r.elapsed_s = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

std::vector<gemm_point> measure_gemms(const std::vector<gemm_problem>& problems, int device, repeat_policy policy) {
  CELLSCHED_CUDA_CHECK(cudaSetDevice(device));
  gemm_probe probe;
  std::vector<gemm_point> out;
  for (const auto& g : problems) out.push_back(probe.measure(g, policy));
  return out;
}

}  // namespace cellsched::probe
