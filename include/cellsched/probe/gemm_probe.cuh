#pragma once
// GEMM throughput with cuBLASLt: D = A * B in fp16, bf16 (fp32 accumulation) or fp32 storage with TF32
// tensor-core math, the algorithm cuBLASLt's heuristic ranks first for the shape, timed cold-L2 (see
// timing.cuh). Layout: column-major with A transposed ("TN"), the layout Megatron-LM's linear layers
// hand to cuBLAS and the one cuBLASLt supports for every dtype.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cellsched/estimate/profile.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/probe/cuda_check.cuh"
#include "cellsched/probe/sweep.hpp"
#include "cellsched/probe/timing.cuh"

namespace cellsched::probe {

namespace detail {

/// Fills x[0..n) with values in [-1, 1) from a hash of the index: non-trivial data (all-zero inputs
/// let the GPU run cooler and clock higher than real training does) without a host-side copy.
template <class T>
__global__ void fill_hash_kernel(T* x, std::size_t n, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    std::uint32_t h = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 16;
    h *= 2246822519u;
    h ^= h >> 13;
    x[i] = static_cast<T>(static_cast<float>(h & 0xffffu) / 32768.0f - 1.0f);
  }
}

template <class T>
void fill_hash(T* x, std::size_t n, std::uint32_t seed, cudaStream_t s) {
  fill_hash_kernel<T><<<1024, 256, 0, s>>>(x, n, seed);
  CELLSCHED_CUDA_CHECK_LAUNCH();
}

struct lt_types {
  cudaDataType_t data;
  cublasComputeType_t compute;
};

[[nodiscard]] inline lt_types lt_types_for(dtype t) {
  switch (t) {
    case dtype::fp16:
      return {CUDA_R_16F, CUBLAS_COMPUTE_32F};
    case dtype::bf16:
      return {CUDA_R_16BF, CUBLAS_COMPUTE_32F};
    case dtype::tf32:
      return {CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32};
    case dtype::fp32:
      return {CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case dtype::fp8:
      break;
  }
  throw std::invalid_argument("the GEMM probe does not measure fp8 (it needs scaling factors per tensor)");
}

/// Owns the cuBLASLt descriptors of one matmul; destroys them whatever happens.
struct lt_matmul {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~lt_matmul() {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (desc) cublasLtMatmulDescDestroy(desc);
  }
};

}  // namespace detail

/// Times GEMMs on the current device. Operand buffers grow to the largest problem seen and are reused.
class gemm_probe {
 public:
  /// cuBLAS recommends a 32 MiB workspace on Hopper (cuBLAS docs, cublasLtMatmul); smaller GPUs cope.
  static constexpr std::size_t workspace_bytes = std::size_t{32} << 20;

  gemm_probe() {
    CELLSCHED_CUBLAS_CHECK(cublasLtCreate(&handle_));
    CELLSCHED_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CELLSCHED_CUDA_CHECK(cudaMalloc(&workspace_, workspace_bytes));
  }
  ~gemm_probe() {
    release();
    cudaFree(workspace_);
    cudaStreamDestroy(stream_);
    cublasLtDestroy(handle_);
  }
  gemm_probe(const gemm_probe&) = delete;
  gemm_probe& operator=(const gemm_probe&) = delete;

  /// Median time of one GEMM `g` and its TFLOP/s (2mnk / time).
  [[nodiscard]] gemm_point measure(const gemm_problem& g, repeat_policy policy) {
    if (g.m < 1 || g.n < 1 || g.k < 1) throw std::invalid_argument("GEMM dimensions must be >= 1");
    const detail::lt_types ty = detail::lt_types_for(g.type);
    const std::size_t elem = static_cast<std::size_t>(bytes_per_element(g.type));
    const auto m = static_cast<std::uint64_t>(g.m), n = static_cast<std::uint64_t>(g.n),
               k = static_cast<std::uint64_t>(g.k);
    reserve(g.type, m * k * elem, k * n * elem, m * n * elem);

    detail::lt_matmul mm;
    CELLSCHED_CUBLAS_CHECK(cublasLtMatmulDescCreate(&mm.desc, ty.compute, CUDA_R_32F));
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    CELLSCHED_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(mm.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof(trans_a)));
    CELLSCHED_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(mm.desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof(trans_b)));
    // A is stored k x m (used transposed), B k x n, C/D m x n; all column-major, tightly packed.
    CELLSCHED_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&mm.a, ty.data, k, m, static_cast<std::int64_t>(k)));
    CELLSCHED_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&mm.b, ty.data, k, n, static_cast<std::int64_t>(k)));
    CELLSCHED_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&mm.c, ty.data, m, n, static_cast<std::int64_t>(m)));
    CELLSCHED_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&mm.pref));
    const std::size_t ws = workspace_bytes;
    CELLSCHED_CUBLAS_CHECK(
        cublasLtMatmulPreferenceSetAttribute(mm.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
    cublasLtMatmulHeuristicResult_t heur{};
    int found = 0;
    CELLSCHED_CUBLAS_CHECK(
        cublasLtMatmulAlgoGetHeuristic(handle_, mm.desc, mm.a, mm.b, mm.c, mm.c, mm.pref, 1, &heur, &found));
    if (found < 1)
      throw cuda_error("cuBLASLt has no algorithm for GEMM " + std::to_string(g.m) + "x" + std::to_string(g.n) + "x" +
                       std::to_string(g.k) + " " + std::string(to_string(g.type)));
    const float alpha = 1.0f, beta = 0.0f;
    auto run = [&](cudaStream_t s) {
      CELLSCHED_CUBLAS_CHECK(cublasLtMatmul(handle_, mm.desc, &alpha, a_, mm.a, b_, mm.b, &beta, c_, mm.c, c_, mm.c,
                                            &heur.algo, workspace_, workspace_bytes, s));
    };
    gemm_point p;
    p.m = g.m;
    p.n = g.n;
    p.k = g.k;
    p.type = g.type;
    p.time_s = time_median_s(run, stream_, policy, &flusher_);
    p.tflops = g.flops() / p.time_s / 1e12;
    return p;
  }

  /// Frees the operand buffers (the next measure() allocates again).
  void release() noexcept {
    cudaFree(a_);
    cudaFree(b_);
    cudaFree(c_);
    a_ = b_ = c_ = nullptr;
    a_bytes_ = b_bytes_ = c_bytes_ = 0;
  }

 private:
  // Grows each operand buffer to at least the bytes asked and refills it for `type`.
  void reserve(dtype type, std::size_t a_bytes, std::size_t b_bytes, std::size_t c_bytes) {
    grow(a_, a_bytes_, a_bytes);
    grow(b_, b_bytes_, b_bytes);
    grow(c_, c_bytes_, c_bytes);
    if (type != filled_type_ || a_bytes > filled_a_ || b_bytes > filled_b_) {
      fill(type, a_, a_bytes, 1u);
      fill(type, b_, b_bytes, 2u);
      filled_type_ = type;
      filled_a_ = a_bytes;
      filled_b_ = b_bytes;
    }
  }
  static void grow(void*& buf, std::size_t& have, std::size_t want) {
    if (want <= have) return;
    cudaFree(buf);
    buf = nullptr;
    have = 0;
    CELLSCHED_CUDA_CHECK(cudaMalloc(&buf, want));
    have = want;
  }
  void fill(dtype type, void* buf, std::size_t bytes, std::uint32_t seed) {
    switch (type) {
      case dtype::fp16:
        detail::fill_hash(static_cast<__half*>(buf), bytes / 2, seed, stream_);
        break;
      case dtype::bf16:
        detail::fill_hash(static_cast<__nv_bfloat16*>(buf), bytes / 2, seed, stream_);
        break;
      default:
        detail::fill_hash(static_cast<float*>(buf), bytes / 4, seed, stream_);
        break;
    }
  }

  cublasLtHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  void* workspace_ = nullptr;
  void *a_ = nullptr, *b_ = nullptr, *c_ = nullptr;
  std::size_t a_bytes_ = 0, b_bytes_ = 0, c_bytes_ = 0;
  dtype filled_type_ = dtype::fp8;  // nothing filled yet
  std::size_t filled_a_ = 0, filled_b_ = 0;
  l2_flusher flusher_;
};

}  // namespace cellsched::probe
