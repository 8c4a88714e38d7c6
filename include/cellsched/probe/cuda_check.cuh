#pragma once
// Turns CUDA runtime, cuBLAS(Lt) and NCCL error codes into exceptions that name the failing call and
// where it was made. The probes throw; the probe program reports the message and exits non-zero.
#include <stdexcept>
#include <string>

#include <cublasLt.h>
#include <cuda_runtime.h>
#if __has_include(<nccl.h>)
#include <nccl.h>
#endif

#include "cellsched/error.hpp"

namespace cellsched::probe {

/// A failed CUDA, cuBLAS or NCCL call: "file:line: call failed: reason".
class cuda_error : public cellsched::error {
 public:
  using cellsched::error::error;
};

namespace detail {

[[noreturn]] inline void throw_call_error(const char* lib, const char* call, const char* file, int line,
                                          const std::string& reason) {
  throw cuda_error(std::string(file) + ":" + std::to_string(line) + ": " + lib + " call `" + call +
                   "` failed: " + reason);
}

inline void check(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess)
    throw_call_error("CUDA", call, file, line, std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")");
}

inline void check(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS) throw_call_error("cuBLAS", call, file, line, cublasLtGetStatusString(s));
}

#if __has_include(<nccl.h>)
inline void check(ncclResult_t r, const char* call, const char* file, int line) {
  if (r != ncclSuccess) throw_call_error("NCCL", call, file, line, ncclGetErrorString(r));
}
#endif

}  // namespace detail
}  // namespace cellsched::probe

/// Evaluates a CUDA runtime call and throws cellsched::probe::cuda_error unless it returned cudaSuccess.
#define CELLSCHED_CUDA_CHECK(call) ::cellsched::probe::detail::check((call), #call, __FILE__, __LINE__)
/// The same for a cuBLAS / cuBLASLt call (cublasStatus_t).
#define CELLSCHED_CUBLAS_CHECK(call) ::cellsched::probe::detail::check((call), #call, __FILE__, __LINE__)
/// The same for an NCCL call (ncclResult_t); available when <nccl.h> is on the include path.
#define CELLSCHED_NCCL_CHECK(call) ::cellsched::probe::detail::check((call), #call, __FILE__, __LINE__)
/// After a kernel launch: reports a bad launch configuration at the launch site.
#define CELLSCHED_CUDA_CHECK_LAUNCH() CELLSCHED_CUDA_CHECK(cudaGetLastError())
