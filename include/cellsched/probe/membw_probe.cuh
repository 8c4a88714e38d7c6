#pragma once
// Device-memory bandwidth with the STREAM kernels (McCalpin, "STREAM: Sustainable Memory Bandwidth in
// High Performance Computers"): copy c = a moves 2 arrays, triad a = b + s*c moves 3. Arrays are many
// times the L2 size (sweep.hpp) so the figure is DRAM bandwidth. 16-byte vector accesses in a
// grid-stride loop, as bandwidth tests such as NVIDIA's nvbandwidth and BabelStream do on GPUs.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include <cuda_runtime.h>

#include "cellsched/estimate/profile.hpp"
#include "cellsched/probe/cuda_check.cuh"
#include "cellsched/probe/sweep.hpp"
#include "cellsched/probe/timing.cuh"

namespace cellsched::probe {

namespace detail {

// Templates (instantiated for float4 only) so that several translation units may include this header.
template <class V>
__global__ void stream_copy_kernel(const V* __restrict__ a, V* __restrict__ c, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    c[i] = a[i];
}

template <class V>
__global__ void stream_triad_kernel(V* __restrict__ a, const V* __restrict__ b, const V* __restrict__ c, float s,
                                    std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const V x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

}  // namespace detail

/// Copy and triad bandwidth of the current device for arrays of a given size.
class membw_probe {
 public:
  membw_probe() {
    int dev = 0;
    CELLSCHED_CUDA_CHECK(cudaGetDevice(&dev));
    CELLSCHED_CUDA_CHECK(cudaDeviceGetAttribute(&sms_, cudaDevAttrMultiProcessorCount, dev));
    CELLSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~membw_probe() { cudaStreamDestroy(stream_); }
  membw_probe(const membw_probe&) = delete;
  membw_probe& operator=(const membw_probe&) = delete;

  /// Measures copy and triad on three arrays of `array_bytes` each (rounded down to 16 bytes).
  /// Returns {copy, triad}; bytes counts every byte read and written.
  [[nodiscard]] std::pair<bandwidth_point, bandwidth_point> measure(std::int64_t array_bytes, repeat_policy policy) {
    const std::size_t n = static_cast<std::size_t>(array_bytes) / sizeof(float4);
    if (n == 0) throw std::invalid_argument("memory-bandwidth arrays must hold at least 16 bytes");
    buffers buf(n);
    // Initialise once so pages are mapped and values are finite; the content does not affect timing.
    CELLSCHED_CUDA_CHECK(cudaMemsetAsync(buf.a, 0, n * sizeof(float4), stream_));
    CELLSCHED_CUDA_CHECK(cudaMemsetAsync(buf.b, 0, n * sizeof(float4), stream_));
    CELLSCHED_CUDA_CHECK(cudaMemsetAsync(buf.c, 0, n * sizeof(float4), stream_));
    // Enough resident blocks to saturate memory: 4 blocks of 256 threads per SM.
    const unsigned blocks = static_cast<unsigned>(sms_) * 4u;
    auto copy = [&](cudaStream_t s) {
      detail::stream_copy_kernel<float4><<<blocks, 256, 0, s>>>(buf.a, buf.c, n);
      CELLSCHED_CUDA_CHECK_LAUNCH();
    };
    auto triad = [&](cudaStream_t s) {
      detail::stream_triad_kernel<float4><<<blocks, 256, 0, s>>>(buf.a, buf.b, buf.c, 3.0f, n);
      CELLSCHED_CUDA_CHECK_LAUNCH();
    };
    const double bytes = static_cast<double>(n * sizeof(float4));
    const double t_copy = time_median_s(copy, stream_, policy);
    const double t_triad = time_median_s(triad, stream_, policy);
    return {bandwidth_point{"copy", 2.0 * bytes, t_copy, 2.0 * bytes / t_copy / 1e9},
            bandwidth_point{"triad", 3.0 * bytes, t_triad, 3.0 * bytes / t_triad / 1e9}};
  }

 private:
  struct buffers {
    float4 *a = nullptr, *b = nullptr, *c = nullptr;
    explicit buffers(std::size_t n) {
      try {
        CELLSCHED_CUDA_CHECK(cudaMalloc(&a, n * sizeof(float4)));
        CELLSCHED_CUDA_CHECK(cudaMalloc(&b, n * sizeof(float4)));
        CELLSCHED_CUDA_CHECK(cudaMalloc(&c, n * sizeof(float4)));
      } catch (...) {
        release();
        throw;
      }
    }
    ~buffers() { release(); }
    buffers(const buffers&) = delete;
    buffers& operator=(const buffers&) = delete;
    void release() noexcept {
      cudaFree(a);
      cudaFree(b);
      cudaFree(c);
      a = b = c = nullptr;
    }
  };

  int sms_ = 0;
  cudaStream_t stream_ = nullptr;
};

}  // namespace cellsched::probe
