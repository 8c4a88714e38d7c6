#pragma once
// NCCL all-reduce, all-gather, reduce-scatter and send/recv timed over message sizes, reported with
// nccl-tests' conventions (busbw.hpp): S is the per-rank buffer for all-reduce and send/recv and the
// whole n-rank array for all-gather and reduce-scatter; float elements; out-of-place; send/recv is a
// ring shift (rank r sends to r+1 and receives from r-1), as nccl-tests' sendrecv_perf does.
//
// Two ways to form a group:
// * one process driving every local GPU: ncclCommInitAll and grouped calls (ncclGroupStart/End);
// * one process per GPU across nodes, launched by MPI (define CELLSCHED_PROBE_WITH_MPI): rank 0's
//   ncclUniqueId is broadcast with MPI_Bcast and each rank calls ncclCommInitRank; times are the maximum
//   over ranks (MPI_Allreduce), since a collective is done when its slowest rank is.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <cuda_runtime.h>
#include <nccl.h>
#ifdef CELLSCHED_PROBE_WITH_MPI
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // the C API is all we use; OpenMPI's C++ bindings do not compile warning-free
#endif
#include <mpi.h>
#endif

#include "cellsched/estimate/profile.hpp"
#include "cellsched/probe/busbw.hpp"
#include "cellsched/probe/cuda_check.cuh"
#include "cellsched/probe/sweep.hpp"
#include "cellsched/probe/timing.cuh"

namespace cellsched::probe {

/// NCCL's version as "major.minor.patch" (ncclGetVersion encodes it as major*10000 + minor*100 + patch
/// since 2.9).
[[nodiscard]] inline std::string nccl_version_string() {
  int v = 0;
  CELLSCHED_NCCL_CHECK(ncclGetVersion(&v));
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

/// Element counts and the size S that an operation of (at most) `bytes` over `ranks` ranks really has:
/// counts are whole float elements, at least one per rank.
struct collective_shape {
  std::size_t send_count = 0, recv_count = 0;
  std::int64_t bytes = 0;  ///< S as reported
};

[[nodiscard]] inline collective_shape shape_of(collective_op op, int ranks, std::int64_t bytes) {
  const auto n = static_cast<std::size_t>(ranks);
  const std::size_t elems = std::max<std::size_t>(1, static_cast<std::size_t>(bytes) / sizeof(float));
  switch (op) {
    case collective_op::all_gather: {
      const std::size_t per_rank = std::max<std::size_t>(1, elems / n);
      return {per_rank, per_rank * n, static_cast<std::int64_t>(per_rank * n * sizeof(float))};
    }
    case collective_op::reduce_scatter: {
      const std::size_t per_rank = std::max<std::size_t>(1, elems / n);
      return {per_rank * n, per_rank, static_cast<std::int64_t>(per_rank * n * sizeof(float))};
    }
    case collective_op::all_reduce:
    case collective_op::send_recv:
      break;
  }
  return {elems, elems, static_cast<std::int64_t>(elems * sizeof(float))};
}

/// A group of NCCL ranks of which this process drives `members()` (all of them single-process, one
/// under MPI), with send/receive buffers of `max_bytes` on each.
class nccl_group {
 public:
  /// One process, every listed local device a rank.
  nccl_group(const std::vector<int>& devices, std::int64_t max_bytes) : ranks_(static_cast<int>(devices.size())) {
    if (devices.size() < 2) throw std::invalid_argument("a collective group needs at least 2 GPUs");
    std::vector<ncclComm_t> comms(devices.size());
    CELLSCHED_NCCL_CHECK(ncclCommInitAll(comms.data(), ranks_, devices.data()));
    for (std::size_t i = 0; i < devices.size(); ++i) {
      try {
        members_.push_back(std::make_unique<member>(devices[i], static_cast<int>(i), comms[i], max_bytes));
      } catch (...) {
        for (std::size_t j = i + 1; j < comms.size(); ++j) ncclCommDestroy(comms[j]);  // not yet owned
        throw;
      }
    }
  }

#ifdef CELLSCHED_PROBE_WITH_MPI
  /// Every rank of `comm` is one NCCL rank on its `device`. Collective over `comm`: all ranks call it.
  nccl_group(MPI_Comm comm, int device, int num_nodes, std::int64_t max_bytes) : num_nodes_(num_nodes), mpi_(comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks_);
    ncclUniqueId id{};
    if (rank == 0) CELLSCHED_NCCL_CHECK(ncclGetUniqueId(&id));
    if (MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, comm) != MPI_SUCCESS)
      throw cuda_error("MPI_Bcast of the NCCL id failed");
    CELLSCHED_CUDA_CHECK(cudaSetDevice(device));
    ncclComm_t c = nullptr;
    CELLSCHED_NCCL_CHECK(ncclCommInitRank(&c, ranks_, id, rank));
    members_.push_back(std::make_unique<member>(device, rank, c, max_bytes));
  }
#endif

  [[nodiscard]] int ranks() const noexcept { return ranks_; }
  [[nodiscard]] int num_nodes() const noexcept { return num_nodes_; }
  [[nodiscard]] std::int64_t max_bytes() const noexcept { return members_.front()->bytes; }

  /// Median time of one `op` of about `bytes` (see shape_of) and its algorithm and bus bandwidth.
  [[nodiscard]] collective_point measure(collective_op op, std::int64_t bytes, repeat_policy policy) {
    const collective_shape sh = shape_of(op, ranks_, bytes);
    if (sh.bytes > max_bytes()) throw std::invalid_argument("message larger than the group's buffers");
    const int ops = collective_ops_per_repeat(sh.bytes);
    for (int i = 0; i < policy.warmup; ++i) enqueue(op, sh);
    sync_all();
    std::vector<double> times;
    for (int r = 0; r < policy.repeats; ++r) {
      for (auto& m : members_) {
        CELLSCHED_CUDA_CHECK(cudaSetDevice(m->device));
        m->events->record_start(m->stream);
      }
      for (int i = 0; i < ops; ++i) enqueue(op, sh);
      double t = 0.0;
      for (auto& m : members_) {
        CELLSCHED_CUDA_CHECK(cudaSetDevice(m->device));
        m->events->record_stop(m->stream);
      }
      for (auto& m : members_) {
        CELLSCHED_CUDA_CHECK(cudaSetDevice(m->device));
        t = std::max(t, m->events->elapsed_s());
      }
#ifdef CELLSCHED_PROBE_WITH_MPI
      if (mpi_ != MPI_COMM_NULL) MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, mpi_);
#endif
      times.push_back(t / ops);
    }
    collective_point p;
    p.bytes = static_cast<double>(sh.bytes);
    p.time_s = median(std::move(times));
    p.algo_gb_per_s = algo_gb_per_s(p.bytes, p.time_s);
    p.bus_gb_per_s = p.algo_gb_per_s * bus_bandwidth_factor(op, ranks_);
    return p;
  }

 private:
  struct member {
    int device = 0;
    int rank = 0;
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;
    void* send = nullptr;
    void* recv = nullptr;
    std::int64_t bytes = 0;
    std::unique_ptr<event_pair> events;

    // Takes ownership of `c`, also when it throws.
    member(int dev, int r, ncclComm_t c, std::int64_t max_bytes) : device(dev), rank(r), comm(c), bytes(max_bytes) {
      try {
        events = make_events(dev);
        CELLSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
        CELLSCHED_CUDA_CHECK(cudaMalloc(&send, static_cast<std::size_t>(max_bytes)));
        CELLSCHED_CUDA_CHECK(cudaMalloc(&recv, static_cast<std::size_t>(max_bytes)));
        CELLSCHED_CUDA_CHECK(cudaMemsetAsync(send, 0, static_cast<std::size_t>(max_bytes), stream));
      } catch (...) {
        release();
        throw;
      }
    }
    ~member() { release(); }
    member(const member&) = delete;
    member& operator=(const member&) = delete;

    static std::unique_ptr<event_pair> make_events(int dev) {
      CELLSCHED_CUDA_CHECK(cudaSetDevice(dev));  // events belong to the device current at creation
      return std::make_unique<event_pair>();
    }
    void release() noexcept {
      cudaSetDevice(device);
      cudaFree(send);
      cudaFree(recv);
      if (stream) cudaStreamDestroy(stream);
      if (comm) ncclCommDestroy(comm);
      send = recv = nullptr;
      stream = nullptr;
      comm = nullptr;
    }
  };

  void enqueue(collective_op op, const collective_shape& sh) {
    CELLSCHED_NCCL_CHECK(ncclGroupStart());
    for (auto& m : members_) {
      switch (op) {
        case collective_op::all_reduce:
          CELLSCHED_NCCL_CHECK(ncclAllReduce(m->send, m->recv, sh.send_count, ncclFloat, ncclSum, m->comm, m->stream));
          break;
        case collective_op::all_gather:
          CELLSCHED_NCCL_CHECK(ncclAllGather(m->send, m->recv, sh.send_count, ncclFloat, m->comm, m->stream));
          break;
        case collective_op::reduce_scatter:
          CELLSCHED_NCCL_CHECK(
              ncclReduceScatter(m->send, m->recv, sh.recv_count, ncclFloat, ncclSum, m->comm, m->stream));
          break;
        case collective_op::send_recv:
          CELLSCHED_NCCL_CHECK(ncclSend(m->send, sh.send_count, ncclFloat, (m->rank + 1) % ranks_, m->comm, m->stream));
          CELLSCHED_NCCL_CHECK(
              ncclRecv(m->recv, sh.recv_count, ncclFloat, (m->rank + ranks_ - 1) % ranks_, m->comm, m->stream));
          break;
      }
    }
    CELLSCHED_NCCL_CHECK(ncclGroupEnd());
  }

  void sync_all() {
    for (auto& m : members_) {
      CELLSCHED_CUDA_CHECK(cudaSetDevice(m->device));
      CELLSCHED_CUDA_CHECK(cudaStreamSynchronize(m->stream));
    }
  }

  int ranks_ = 0;
  int num_nodes_ = 1;
#ifdef CELLSCHED_PROBE_WITH_MPI
  MPI_Comm mpi_ = MPI_COMM_NULL;
#endif
  std::vector<std::unique_ptr<member>> members_;
};

/// Sweeps `op` over `sizes` and returns the series for the profile. Sizes whose real S repeats the
/// previous one (tiny messages over many ranks) or exceeds the buffers are skipped; before each point
/// `keep_going(S)` is asked, and false ends the series there (a time budget). Under MPI every rank must
/// get the same answers from it, or the ranks stop entering the same collectives.
[[nodiscard]] inline collective_series sweep_collective(nccl_group& g, collective_op op,
                                                        const std::vector<std::int64_t>& sizes, repeat_policy policy,
                                                        const std::function<bool(std::int64_t)>& keep_going) {
  collective_series s;
  s.op = std::string(to_string(op));
  s.group_size = g.ranks();
  s.num_nodes = g.num_nodes();
  std::int64_t last = 0;
  for (const auto b : sizes) {
    const auto sh = shape_of(op, g.ranks(), b);
    if (sh.bytes <= last || sh.bytes > g.max_bytes()) continue;
    if (keep_going && !keep_going(sh.bytes)) break;
    s.points.push_back(g.measure(op, b, policy));
    last = sh.bytes;
  }
  return s;
}

}  // namespace cellsched::probe
