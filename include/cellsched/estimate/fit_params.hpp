#pragma once
// Least-squares fit of the analytic estimator's global constants to a measurement table. Used by the
// accuracy benchmark to (re)derive the defaults in analytic_params.hpp and to report held-out error.
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/calibration.hpp"
#include "cellsched/estimate/measurement_report.hpp"

namespace cellsched {

/// The constants the fit moves, in units that keep them of order one.
struct fitted_constants {
  static constexpr int count = 11;
  /// Indices of the six framework-overhead constants the defaults were fitted on (analytic_params.hpp):
  /// cpu_per_op, gpu_per_op, host_sync, iteration_overhead, host_device_overlap, device_sync.
  [[nodiscard]] static std::vector<int> overhead_constants() { return {3, 4, 5, 7, 8, 9}; }
  [[nodiscard]] static Eigen::VectorXd pack(const analytic_params& p) {
    Eigen::VectorXd x(count);
    x << p.gemm.max_efficiency, p.mem_bw_efficiency, p.intra_link_efficiency, p.cpu_per_op_s * 1e6,
        p.gpu_per_op_s * 1e6, p.host_sync_s * 1e6, p.optimizer_bytes_per_param / 10.0, p.iteration_overhead_s * 1e3,
        p.host_device_overlap, p.device_sync_s * 1e6, p.tp_backward_hidden;
    return x;
  }
  [[nodiscard]] static analytic_params unpack(const Eigen::VectorXd& x, analytic_params p) {
    p.gemm.max_efficiency = x(0);
    p.mem_bw_efficiency = x(1);
    p.intra_link_efficiency = x(2);
    p.cpu_per_op_s = x(3) * 1e-6;
    p.gpu_per_op_s = x(4) * 1e-6;
    p.host_sync_s = x(5) * 1e-6;
    p.optimizer_bytes_per_param = x(6) * 10.0;
    p.iteration_overhead_s = x(7) * 1e-3;
    p.host_device_overlap = x(8);
    p.device_sync_s = x(9) * 1e-6;
    p.tp_backward_hidden = x(10);
    return p;
  }
};

/// Fits the constants of `start` to minimise the squared relative error of the measurement cases
/// selected by `use` (rows that are not representable are skipped). Deterministic. A template only so
/// that Eigen's solver is compiled where it is called (estimate/calibration.hpp).
template <class = void>
[[nodiscard]] analytic_params fit_analytic_params(const hardware_catalog& catalog, const analytic_params& start,
                                                  const std::vector<measurement_case>& cases,
                                                  const std::vector<measurement_row>& rows,
                                                  const std::function<bool(std::size_t)>& use,
                                                  const std::vector<int>& free = fitted_constants::overhead_constants(),
                                                  int max_iterations = 60) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (use(i) && cases[i].reason.empty()) idx.push_back(i);
  const Eigen::VectorXd x0 = fitted_constants::pack(start);
  const auto expand = [&](const Eigen::VectorXd& y) {
    Eigen::VectorXd x = x0;
    for (std::size_t j = 0; j < free.size(); ++j) x(free[j]) = y(static_cast<Eigen::Index>(j));
    return x;
  };
  const auto residuals = [&](const Eigen::VectorXd& y) {
    const analytic_estimator est(catalog, fitted_constants::unpack(expand(y), start));
    Eigen::VectorXd r(static_cast<Eigen::Index>(idx.size()));
    for (std::size_t j = 0; j < idx.size(); ++j) {
      const auto& c = cases[idx[j]];
      const double measured_s = rows[idx[j]].iter_time_ms * 1e-3;
      r(static_cast<Eigen::Index>(j)) = est.estimate(c.m, c.c, c.p).iter_time_s / measured_s - 1.0;
    }
    return r;
  };
  Eigen::VectorXd y0(static_cast<Eigen::Index>(free.size()));
  for (std::size_t j = 0; j < free.size(); ++j) y0(static_cast<Eigen::Index>(j)) = x0(free[j]);
  const Eigen::VectorXd y = levenberg_marquardt(residuals, y0, max_iterations);
  return fitted_constants::unpack(expand(y), start);
}

}  // namespace cellsched
