#pragma once
// Fits from probe measurements (Eigen least squares): collective latency and bus bandwidth per operation
// and group size, the achieved-GEMM efficiency curve, achieved memory bandwidth. Also a small
// Levenberg-Marquardt solver for fitting global estimator constants to measured iteration times.
//
// Eigen's decompositions take seconds to compile. The functions that use them are function templates
// (on the scalar type, which nobody passes), so a translation unit compiles them only when it calls them;
// including this header, or the analytic estimator, without fitting a profile stays cheap
// (bench/compile_times.sh). Their Eigen types are spelled with that parameter: GCC instantiates the
// classes behind non-dependent types (MatrixXd, its QR, the products) where the template is defined.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "cellsched/estimate/comm.hpp"
#include "cellsched/estimate/compute.hpp"
#include "cellsched/estimate/profile.hpp"

namespace cellsched {

/// time = latency + volume / bandwidth, volume = ring factor x size.
struct collective_fit {
  std::string op;
  int group_size = 2;
  int num_nodes = 1;
  link_params link;  ///< fitted latency and bus bandwidth
  std::size_t points = 0;
};

[[nodiscard]] inline std::optional<collective_kind> collective_kind_from_name(const std::string& op) {
  if (op == "all_reduce") return collective_kind::all_reduce;
  if (op == "all_gather") return collective_kind::all_gather;
  if (op == "reduce_scatter") return collective_kind::reduce_scatter;
  if (op == "send_recv") return collective_kind::send_recv;
  if (op == "all_to_all") return collective_kind::all_to_all;
  return std::nullopt;
}

/// Least squares time_i = a + b * v_i over the points (v = ring factor x size): latency a, bandwidth 1/b.
/// Needs two distinct sizes; a negative intercept (measurement noise at tiny sizes) is clamped to zero
/// and the slope refitted through the origin, so the result is always physical.
template <class Scalar = double>
[[nodiscard]] std::optional<collective_fit> fit_collective(const collective_series& s) {
  const auto kind = collective_kind_from_name(s.op);
  if (!kind || s.points.size() < 2) return std::nullopt;
  const double factor = ring_volume_factor(*kind, s.group_size);
  const auto n = static_cast<Eigen::Index>(s.points.size());
  Eigen::Matrix<Scalar, Eigen::Dynamic, 2> a(n, 2);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& p = s.points[static_cast<std::size_t>(i)];
    // Relative weighting: divide each row by the measured time so small messages count as much as
    // large ones (latency and bandwidth both matter in the estimator).
    const double w = p.time_s > 0.0 ? 1.0 / p.time_s : 0.0;
    a(i, 0) = w;
    a(i, 1) = w * factor * p.bytes;
    y(i) = w * p.time_s;
  }
  Eigen::Matrix<Scalar, 2, 1> x = a.colPivHouseholderQr().solve(y);
  if (x(0) < 0.0) {
    x(0) = 0.0;
    const double denom = a.col(1).squaredNorm();
    x(1) = denom > 0.0 ? a.col(1).dot(y) / denom : 0.0;
  }
  if (!(x(1) > 0.0) || !std::isfinite(x(1))) return std::nullopt;
  collective_fit f;
  f.op = s.op;
  f.group_size = s.group_size;
  f.num_nodes = s.num_nodes;
  f.link = {x(0), 1.0 / x(1) / 1e9};
  f.points = s.points.size();
  return f;
}

/// Fits the achieved-GEMM curve (compute.hpp) to measured GEMM times of one dtype. The model
///   time x peak / flops = (1 + m_half/m + n_half/n + k_half/k) / max_efficiency
/// is linear in (1, 1/m, 1/n, 1/k); negative coefficients are dropped (set to zero, refit) so that every
/// term stays a cost. Needs at least four points; returns nullopt otherwise.
template <class Scalar = double>
[[nodiscard]] std::optional<gemm_curve> fit_gemm_curve(const std::vector<gemm_point>& points, dtype type,
                                                       double peak_tflops) {
  std::vector<const gemm_point*> use;
  for (const auto& p : points)
    if (p.type == type && p.time_s > 0.0 && p.m > 0 && p.n > 0 && p.k > 0) use.push_back(&p);
  if (use.size() < 4 || peak_tflops <= 0.0) return std::nullopt;
  std::vector<bool> active(4, true);
  Eigen::Matrix<Scalar, 4, 1> coef = Eigen::Matrix<Scalar, 4, 1>::Zero();
  for (int round = 0; round < 4; ++round) {
    std::vector<int> cols;
    for (int c = 0; c < 4; ++c)
      if (active[static_cast<std::size_t>(c)]) cols.push_back(c);
    const auto n = static_cast<Eigen::Index>(use.size());
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> a(n, static_cast<Eigen::Index>(cols.size()));
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const gemm_point& p = *use[static_cast<std::size_t>(i)];
      const double feats[4] = {1.0, 1.0 / static_cast<double>(p.m), 1.0 / static_cast<double>(p.n),
                               1.0 / static_cast<double>(p.k)};
      for (std::size_t c = 0; c < cols.size(); ++c) a(i, static_cast<Eigen::Index>(c)) = feats[cols[c]];
      const double flops = 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k);
      y(i) = p.time_s * peak_tflops * 1e12 / flops;
    }
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> x = a.colPivHouseholderQr().solve(y);
    coef.setZero();
    bool negative = false;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      coef(cols[c]) = x(static_cast<Eigen::Index>(c));
      if (cols[c] > 0 && x(static_cast<Eigen::Index>(c)) < 0.0) {
        active[static_cast<std::size_t>(cols[c])] = false;
        negative = true;
      }
    }
    if (!negative) break;
  }
  if (!(coef(0) > 0.0)) return std::nullopt;
  gemm_curve c;
  c.max_efficiency = 1.0 / coef(0);
  c.m_half = std::max(0.0, coef(1) / coef(0));
  c.n_half = std::max(0.0, coef(2) / coef(0));
  c.k_half = std::max(0.0, coef(3) / coef(0));
  return c;
}

/// Achieved streaming bandwidth: the best measured figure (the probe sweeps sizes; small buffers
/// under-report because of launch latency).
[[nodiscard]] inline std::optional<double> fit_memory_bandwidth_gb_per_s(const std::vector<bandwidth_point>& points) {
  double best = 0.0;
  for (const auto& p : points) best = std::max(best, p.gb_per_s);
  return best > 0.0 ? std::optional<double>(best) : std::nullopt;
}

/// Everything a profile calibrates for its GPU type.
struct gpu_calibration {
  std::string gpu_type;
  std::string source;
  std::optional<gemm_curve> gemm;  ///< for the model's dtype when fitted
  dtype gemm_dtype = dtype::fp16;
  std::optional<double> mem_bw_gb_per_s;
  std::vector<collective_fit> collectives;

  /// The fit for `op` over `ranks` ranks on `nodes` nodes: exact group size first, else the nearest
  /// group size measured on the same number of nodes (bus bandwidth varies little with n).
  [[nodiscard]] const collective_fit* find_collective(const std::string& op, int ranks, int nodes) const {
    const collective_fit* best = nullptr;
    for (const auto& c : collectives) {
      if (c.op != op || (c.num_nodes > 1) != (nodes > 1)) continue;
      if (!best || std::abs(c.group_size - ranks) < std::abs(best->group_size - ranks) ||
          (std::abs(c.group_size - ranks) == std::abs(best->group_size - ranks) && c.num_nodes == nodes))
        best = &c;
    }
    return best;
  }
};

template <class = void>
[[nodiscard]] gpu_calibration calibrate(const probe_profile& p, dtype type, double peak_tflops) {
  gpu_calibration c;
  c.gpu_type = p.gpu_type;
  c.source = p.source.empty() ? p.host : p.source;
  c.gemm_dtype = type;
  c.gemm = fit_gemm_curve(p.gemm, type, peak_tflops);
  c.mem_bw_gb_per_s = fit_memory_bandwidth_gb_per_s(p.memory);
  for (const auto& s : p.collectives)
    if (auto f = fit_collective(s)) c.collectives.push_back(*f);
  return c;
}

/// Levenberg-Marquardt for a few global constants: minimises sum_i r_i(x)^2 with a forward-difference
/// Jacobian. Deterministic (no randomness); stops after `max_iterations` or when no step improves.
/// `residuals` maps an Eigen::VectorXd of constants to the Eigen::VectorXd of residuals. (`Scalar` is
/// not deduced: any expression convertible to a VectorXd is accepted for `x`.)
template <class Residuals, class Scalar = double>
[[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, 1> levenberg_marquardt(
    const Residuals& residuals, std::type_identity_t<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>> x,
    int max_iterations = 100) {
  using vec = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  vec r = residuals(x);
  double cost = r.squaredNorm();
  double lambda = 1e-3;
  for (int it = 0; it < max_iterations; ++it) {
    mat j(r.size(), x.size());
    for (Eigen::Index k = 0; k < x.size(); ++k) {
      vec xs = x;
      const double h = 1e-6 * std::max(1.0, std::abs(x(k)));
      xs(k) += h;
      j.col(k) = (residuals(xs) - r) / h;
    }
    const mat jtj = j.transpose() * j;
    const vec g = j.transpose() * r;
    bool improved = false;
    while (lambda < 1e10) {
      mat a = jtj;
      a.diagonal() += lambda * jtj.diagonal() + vec::Constant(x.size(), 1e-12);
      const vec step = a.ldlt().solve(-g);
      const vec xn = x + step;
      const vec rn = residuals(xn);
      const double cn = rn.squaredNorm();
      if (std::isfinite(cn) && cn < cost) {
        const double gain = cost - cn;
        x = xn;
        r = rn;
        cost = cn;
        lambda = std::max(lambda / 3.0, 1e-12);
        improved = gain > 1e-14 * std::max(cost, 1e-300);
        break;
      }
      lambda *= 4.0;
    }
    if (!improved) break;
  }
  return x;
}

}  // namespace cellsched
