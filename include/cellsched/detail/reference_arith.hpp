#pragma once
// Arithmetic that reproduces the reference simulator's Python expressions bit for bit, so that a
// re-implementation of its tables and progress accounting gives the same numbers:
//   round(x, n)  -> round_decimal(x, n): correctly rounded to n decimals, ties to even, as CPython does
//                   (CPython formats the exact binary value to n decimals and parses it back).
//   a // b       -> floor_div(a, b): CPython's float floor division (fmod-based, then snapped).
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cellsched::detail {

/// CPython's round(x, ndigits) for 0 <= ndigits <= 17 and finite x.
[[nodiscard]] inline double round_decimal(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  char buf[64];
  // glibc prints the exact decimal expansion of the double, rounded to nearest with ties to even,
  // which is the rounding CPython's dtoa applies; parsing back gives the same double.
  const int n = std::snprintf(buf, sizeof buf, "%.*f", ndigits, x);
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return x;
  return std::strtod(buf, nullptr);
}

/// CPython's float floor division a // b for b != 0 (Objects/floatobject.c, float_floor_div).
[[nodiscard]] inline double floor_div(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) div -= 1.0;
  }
  double floordiv = 0.0;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, a / b);
  }
  return floordiv;
}

}  // namespace cellsched::detail
