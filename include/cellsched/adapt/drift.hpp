#pragma once
// Drift detection on prediction residuals: a two-sided CUSUM (Page 1954, "Continuous inspection
// schemes", Biometrika 41) on r = ln(observed / learnt) of each observation of a Cell that was already
// observed. A Cell that runs as learnt gives r ~ 0 (the reference value is 0, not a running mean, so a
// shift is not absorbed into the mean it is measured against); a GPU type that throttles, a driver update
// or a noisy neighbour shifts r. S+ = max(0, S+ + r - delta) accumulates evidence of "slower than
// learnt", S- = max(0, S- - r - delta) of "faster"; an alarm is raised when either exceeds lambda.
// delta is the change we tolerate per observation (measurement jitter), lambda the evidence we need.
// With the defaults (delta 0.02, lambda 0.15): one observation 19 % slower than learnt raises an alarm,
// two observations 10 % slower do, a steady jitter within 2 % never does.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

namespace cellsched {

struct drift_options {
  double delta = 0.02;   ///< tolerated |ln ratio| per observation (2 %)
  double lambda = 0.15;  ///< alarm threshold on the accumulated evidence
};

/// One two-sided CUSUM detector with reference value 0.
class cusum_detector {
 public:
  cusum_detector() = default;
  explicit cusum_detector(drift_options o) : o_(o) {}

  /// Adds a residual; true when it raises an alarm (the detector then starts over).
  bool add(double r) {
    ++n_;
    up_ = std::max(0.0, up_ + r - o_.delta);
    down_ = std::max(0.0, down_ - r - o_.delta);
    if (up_ > o_.lambda || down_ > o_.lambda) {
      reset();
      return true;
    }
    return false;
  }
  void reset() {
    n_ = 0;
    up_ = down_ = 0.0;
  }
  [[nodiscard]] double slower_evidence() const noexcept { return up_; }
  [[nodiscard]] double faster_evidence() const noexcept { return down_; }
  [[nodiscard]] std::size_t count() const noexcept { return n_; }
  [[nodiscard]] const drift_options& options() const noexcept { return o_; }

 private:
  drift_options o_{};
  std::size_t n_ = 0;
  double up_ = 0.0, down_ = 0.0;
};

/// An alarm: what moved, when, by how much, and why we think so.
struct drift_alarm {
  std::string scope;   ///< "cell" or "gpu_type"
  std::string key;     ///< the Cell ("bert__1.3B b128 a100-40gb [4]") or the GPU type
  std::string gpu_type;
  double time_s = 0.0;
  double residual = 0.0;  ///< ln(observed / learnt) of the observation that raised it
  std::string reason;
};

}  // namespace cellsched
