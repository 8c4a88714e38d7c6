#pragma once
// Timing of GPU work with CUDA events: untimed warm-up runs first (clocks ramp up, lazy module loading
// and cuBLAS heuristics happen there), then each repeat is bracketed by two events on the work's stream
// and the median of the repeats is reported; the median ignores the odd run disturbed by another process.
// An optional L2 flush before each repeat makes every repeat start cold, as a training step does when it
// reaches a layer's weights.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <cuda_runtime.h>

#include "cellsched/probe/cuda_check.cuh"
#include "cellsched/probe/sweep.hpp"

namespace cellsched::probe {

/// A pair of CUDA events; elapsed_s() waits for the second.
class event_pair {
 public:
  event_pair() {
    CELLSCHED_CUDA_CHECK(cudaEventCreate(&start_));
    try {
      CELLSCHED_CUDA_CHECK(cudaEventCreate(&stop_));
    } catch (...) {
      cudaEventDestroy(start_);
      throw;
    }
  }
  ~event_pair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  event_pair(const event_pair&) = delete;
  event_pair& operator=(const event_pair&) = delete;

  void record_start(cudaStream_t s) { CELLSCHED_CUDA_CHECK(cudaEventRecord(start_, s)); }
  void record_stop(cudaStream_t s) { CELLSCHED_CUDA_CHECK(cudaEventRecord(stop_, s)); }
  [[nodiscard]] double elapsed_s() {
    CELLSCHED_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0.0f;
    CELLSCHED_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return static_cast<double>(ms) * 1e-3;
  }

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

/// Evicts the L2 cache of the current device by writing a buffer twice its size.
class l2_flusher {
 public:
  l2_flusher() {
    int dev = 0, l2 = 0;
    CELLSCHED_CUDA_CHECK(cudaGetDevice(&dev));
    CELLSCHED_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
    bytes_ = 2 * static_cast<std::size_t>(l2 > 0 ? l2 : (8 << 20));
    CELLSCHED_CUDA_CHECK(cudaMalloc(&buf_, bytes_));
  }
  ~l2_flusher() { cudaFree(buf_); }
  l2_flusher(const l2_flusher&) = delete;
  l2_flusher& operator=(const l2_flusher&) = delete;

  void flush(cudaStream_t s) {
    // Alternate the value so no cache level can keep the old line as already-written.
    CELLSCHED_CUDA_CHECK(cudaMemsetAsync(buf_, (flips_++ & 1) ? 0xff : 0x00, bytes_, s));
  }
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

 private:
  void* buf_ = nullptr;
  std::size_t bytes_ = 0;
  unsigned flips_ = 0;
};

/// Median seconds of one call of `work(stream)` (which only enqueues GPU work on `stream`), after
/// `policy.warmup` untimed calls, over `policy.repeats` timed ones. Each timed repeat runs the work
/// `ops_per_repeat` times back to back and divides, for work shorter than the events' resolution.
/// With a flusher, L2 is flushed before each repeat, outside the timed interval; the flush also keeps
/// the GPU busy while the host enqueues the work, so launch latency stays out of the measurement.
template <class Work>
[[nodiscard]] double time_median_s(Work&& work, cudaStream_t stream, repeat_policy policy,
                                   l2_flusher* flusher = nullptr, int ops_per_repeat = 1) {
  for (int i = 0; i < policy.warmup; ++i) work(stream);
  CELLSCHED_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(policy.repeats));
  event_pair ev;
  for (int r = 0; r < policy.repeats; ++r) {
    if (flusher) flusher->flush(stream);
    ev.record_start(stream);
    for (int i = 0; i < ops_per_repeat; ++i) work(stream);
    ev.record_stop(stream);
    times.push_back(ev.elapsed_s() / ops_per_repeat);
  }
  return median(std::move(times));
}

}  // namespace cellsched::probe
