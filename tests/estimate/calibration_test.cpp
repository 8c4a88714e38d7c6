// Eigen least-squares fits recover known latency, bandwidth and efficiency curves from synthetic points.
#include <catch2/catch.hpp>

#include <cmath>

#include "cellsched/estimate/calibration.hpp"

using namespace cellsched;

TEST_CASE("collective fit recovers latency and bus bandwidth", "[estimate][calibration]") {
  collective_series s;
  s.op = "all_reduce";
  s.group_size = 4;
  for (double bytes = 1024; bytes <= 1024.0 * 1024 * 1024; bytes *= 4) {
    collective_point p;
    p.bytes = bytes;
    p.time_s = 12e-6 + 1.5 * bytes / 180e9;  // 12 us, 180 GB/s bus bandwidth
    s.points.push_back(p);
  }
  const auto f = fit_collective(s);
  REQUIRE(f);
  REQUIRE(f->link.latency_s == Approx(12e-6).epsilon(1e-9));
  REQUIRE(f->link.bw_gb_per_s == Approx(180.0).epsilon(1e-9));
  REQUIRE(f->points == s.points.size());

  s.op = "all_gather";  // factor (n-1)/n = 0.75 with the nccl-tests size convention
  for (auto& p : s.points) p.time_s = 5e-6 + 0.75 * p.bytes / 90e9;
  const auto g = fit_collective(s);
  REQUIRE(g);
  REQUIRE(g->link.latency_s == Approx(5e-6).epsilon(1e-9));
  REQUIRE(g->link.bw_gb_per_s == Approx(90.0).epsilon(1e-9));
}

TEST_CASE("collective fit clamps a negative latency and rejects too few points", "[estimate][calibration]") {
  collective_series s;
  s.op = "send_recv";
  s.group_size = 2;
  s.points = {collective_point{1e6, 1e6 / 50e9 - 1e-6, 0, 0}, collective_point{1e8, 1e8 / 50e9 - 1e-6, 0, 0}};
  const auto f = fit_collective(s);
  REQUIRE(f);
  REQUIRE(f->link.latency_s == 0.0);
  REQUIRE(f->link.bw_gb_per_s > 49.0);
  s.points.resize(1);
  REQUIRE_FALSE(fit_collective(s));
  s.op = "broadcast";
  REQUIRE_FALSE(fit_collective(s));
}

TEST_CASE("GEMM curve fit recovers the efficiency curve", "[estimate][calibration]") {
  const gemm_curve truth{0.85, 96.0, 160.0, 48.0};
  const double peak = 312.0;
  std::vector<gemm_point> pts;
  for (const std::int64_t m : {128, 512, 2048, 8192})
    for (const std::int64_t n : {256, 1024, 4096})
      for (const std::int64_t k : {64, 1024, 8192}) {
        gemm_point p;
        p.m = m;
        p.n = n;
        p.k = k;
        const gemm_dims d{static_cast<double>(m), static_cast<double>(n), static_cast<double>(k), 1};
        p.time_s = d.flops() / (peak * 1e12) * gemm_inverse_efficiency(d, truth);
        p.tflops = d.flops() / p.time_s / 1e12;
        pts.push_back(p);
      }
  const auto c = fit_gemm_curve(pts, dtype::fp16, peak);
  REQUIRE(c);
  REQUIRE(c->max_efficiency == Approx(0.85).epsilon(1e-9));
  REQUIRE(c->m_half == Approx(96.0).epsilon(1e-9));
  REQUIRE(c->n_half == Approx(160.0).epsilon(1e-9));
  REQUIRE(c->k_half == Approx(48.0).epsilon(1e-9));
  REQUIRE_FALSE(fit_gemm_curve(pts, dtype::fp32, peak));  // no fp32 points
}

TEST_CASE("memory bandwidth takes the best measured figure", "[estimate][calibration]") {
  std::vector<bandwidth_point> pts{
      {"copy", 1e6, 1e-5, 100.0}, {"copy", 1e9, 0.6e-3, 1666.0}, {"triad", 1e9, 0.7e-3, 1500.0}};
  REQUIRE(fit_memory_bandwidth_gb_per_s(pts).value() == 1666.0);
  REQUIRE_FALSE(fit_memory_bandwidth_gb_per_s({}));
}

TEST_CASE("Levenberg-Marquardt fits a nonlinear model", "[estimate][calibration]") {
  // y = a * exp(b x) with a = 2, b = -0.5.
  const auto res = [](const Eigen::VectorXd& x) {
    Eigen::VectorXd r(20);
    for (int i = 0; i < 20; ++i) {
      const double t = 0.25 * i;
      r(i) = x(0) * std::exp(x(1) * t) - 2.0 * std::exp(-0.5 * t);
    }
    return r;
  };
  Eigen::VectorXd x0(2);
  x0 << 1.0, 0.0;
  const Eigen::VectorXd x = levenberg_marquardt(res, x0, 200);
  REQUIRE(x(0) == Approx(2.0).epsilon(1e-6));
  REQUIRE(x(1) == Approx(-0.5).epsilon(1e-6));
}
