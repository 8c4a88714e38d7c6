#pragma once
// Portable random sampling for the synthetic generators (docs/scale.md).
//
// std::mt19937_64's output sequence is fixed by the standard, but std::uniform_real_distribution,
// std::exponential_distribution, std::lognormal_distribution and friends are not: libstdc++ and libc++
// turn the same engine output into different numbers. So every draw here is written out from raw
// 64-bit engine words:
//   * uniform in [0, 1): the top 53 bits of one word times 2^-53 (exact in a double);
//   * exponential(rate): -log(1 - u) / rate (inversion);
//   * standard normal: Box-Muller, one pair of uniforms per draw (the second value is discarded so
//     every normal costs exactly two words and streams never shift);
//   * weighted choice: one uniform against the running sum of the weights, in the order given.
// The remaining platform dependence is the last bit of std::log / std::cos / std::exp, which glibc,
// macOS and musl all compute to within one ulp; generated files round times to whole seconds and
// counts to integers, so such a difference would have to straddle a rounding boundary to show.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace cellsched::sim {

/// SplitMix64 (Steele, Lea, Flood 2014): derives independent stream seeds from one user seed.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class portable_rng {
 public:
  /// `stream` separates independent sequences drawn from one seed (arrivals, job attributes, ...).
  explicit portable_rng(std::uint64_t seed, std::uint64_t stream = 0)
      : engine_(splitmix64(seed ^ splitmix64(stream + 1))) {}

  [[nodiscard]] std::uint64_t next_u64() { return engine_(); }

  /// Uniform in [0, 1).
  [[nodiscard]] double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Exponential with the given rate (> 0); mean 1 / rate.
  [[nodiscard]] double exponential(double rate) { return -std::log1p(-uniform()) / rate; }

  /// Standard normal (Box-Muller).
  [[nodiscard]] double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    constexpr double two_pi = 6.283185307179586476925286766559;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
  }

  /// Log-normal: exp(log(median) + sigma * N(0, 1)); mean = median * exp(sigma^2 / 2).
  [[nodiscard]] double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

  /// Index i with probability weights[i] / sum(weights). Weights must be >= 0 with a positive sum.
  [[nodiscard]] std::size_t choose(const std::vector<double>& weights) {
    double total = 0.0;
    for (double w : weights) total += w;
    if (weights.empty() || !(total > 0.0)) throw std::invalid_argument("portable_rng::choose: no positive weight");
    const double target = uniform() * total;
    double acc = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      acc += weights[i];
      if (target < acc) return i;
    }
    // Rounding can leave target == total: take the last index with a positive weight.
    for (std::size_t i = weights.size(); i-- > 0;)
      if (weights[i] > 0.0) return i;
    return 0;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace cellsched::sim
