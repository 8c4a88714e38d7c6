#pragma once
// Contiguous split of L layers into S non-empty stages that minimises the largest stage cost, where
// layer l costs cost[s][l] on stage s (stages may run at different speeds: different GPU counts, shapes
// or GPU types). +infinity marks a layer that may not sit on a stage (e.g. a tp the layer does not allow).
//
// Feasibility of a bound T is decided exactly by a reachability pass over (stage, prefix) in O(S·L):
// for a fixed end b the admissible starts a of stage s form one interval (costs are non-negative, so
// the stage cost falls as a grows), found with a moving pointer. T is then bisected between a lower
// bound and a feasible split's cost. Among the splits within the final bound the one whose later stages
// are as long as possible is returned: in 1F1B, stage s keeps S - s micro-batches of activations in
// flight, so the lighter early stages are the ones that hold the most.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace cellsched {

namespace min_max_detail {

struct stage_costs {
  std::vector<double> prefix;   ///< sum of finite costs of layers [0, l)
  std::vector<int> last_inf;    ///< largest index < l of a layer with infinite cost, -1 if none
  [[nodiscard]] double range(int a, int b) const {
    if (last_inf[static_cast<std::size_t>(b)] >= a) return std::numeric_limits<double>::infinity();
    return prefix[static_cast<std::size_t>(b)] - prefix[static_cast<std::size_t>(a)];
  }
};

/// reach[s][b]: stages 0..s-1 can cover layers [0, b) within bound t.
inline bool reachable(const std::vector<stage_costs>& sc, int layers, double t, std::vector<std::vector<char>>& reach) {
  const int stages = static_cast<int>(sc.size());
  reach.assign(static_cast<std::size_t>(stages + 1), std::vector<char>(static_cast<std::size_t>(layers + 1), 0));
  reach[0][0] = 1;
  std::vector<int> count(static_cast<std::size_t>(layers + 2));
  for (int s = 0; s < stages; ++s) {
    const auto& r = reach[static_cast<std::size_t>(s)];
    for (int i = 0; i <= layers; ++i) count[static_cast<std::size_t>(i + 1)] = count[static_cast<std::size_t>(i)] + r[static_cast<std::size_t>(i)];
    const stage_costs& c = sc[static_cast<std::size_t>(s)];
    int lo = 0;  // smallest start with finite prefix cost within t; non-decreasing in b
    for (int b = 1; b <= layers; ++b) {
      while (lo < b && c.prefix[static_cast<std::size_t>(b)] - c.prefix[static_cast<std::size_t>(lo)] > t) ++lo;
      const int a_lo = std::max(lo, c.last_inf[static_cast<std::size_t>(b)] + 1);
      if (a_lo <= b - 1 && count[static_cast<std::size_t>(b)] - count[static_cast<std::size_t>(a_lo)] > 0)
        reach[static_cast<std::size_t>(s + 1)][static_cast<std::size_t>(b)] = 1;
    }
  }
  return reach[static_cast<std::size_t>(stages)][static_cast<std::size_t>(layers)] != 0;
}

/// The split within bound t whose later stages start as early as possible (end layer per stage).
inline std::vector<int> reconstruct(const std::vector<stage_costs>& sc, int layers, double t,
                                    const std::vector<std::vector<char>>& reach) {
  const int stages = static_cast<int>(sc.size());
  std::vector<int> ends(static_cast<std::size_t>(stages));
  int end = layers;
  for (int s = stages - 1; s >= 0; --s) {
    ends[static_cast<std::size_t>(s)] = end;
    int a = s;  // stages 0..s-1 are non-empty, so stage s starts at s or later
    while (!(reach[static_cast<std::size_t>(s)][static_cast<std::size_t>(a)] &&
             sc[static_cast<std::size_t>(s)].range(a, end) <= t))
      ++a;  // terminates: reach[stages][layers] was true, so some admissible start exists
    end = a;
  }
  return ends;
}

}  // namespace min_max_detail

struct layer_split {
  std::vector<int> end_layer;  ///< one past the last layer of each stage; empty when no split exists
  double max_stage_cost = 0.0;
};

/// `cost[s][l]`: cost of layer l on stage s, >= 0 or +infinity. Deterministic.
[[nodiscard]] inline layer_split min_max_split(const std::vector<std::vector<double>>& cost, int layers,
                                               int bisection_steps = 40) {
  using namespace min_max_detail;
  const int stages = static_cast<int>(cost.size());
  layer_split out;
  if (stages < 1 || layers < stages) return out;
  std::vector<stage_costs> sc(static_cast<std::size_t>(stages));
  double lower = 0.0;  // no split beats every layer's cheapest stage, nor the continuous relaxation
  for (int s = 0; s < stages; ++s) {
    auto& c = sc[static_cast<std::size_t>(s)];
    c.prefix.assign(static_cast<std::size_t>(layers + 1), 0.0);
    c.last_inf.assign(static_cast<std::size_t>(layers + 1), -1);
    for (int l = 0; l < layers; ++l) {
      const double x = cost[static_cast<std::size_t>(s)][static_cast<std::size_t>(l)];
      const bool inf = !std::isfinite(x);
      c.prefix[static_cast<std::size_t>(l + 1)] = c.prefix[static_cast<std::size_t>(l)] + (inf ? 0.0 : x);
      c.last_inf[static_cast<std::size_t>(l + 1)] = inf ? l : c.last_inf[static_cast<std::size_t>(l)];
    }
  }
  for (int l = 0; l < layers; ++l) {
    double best = std::numeric_limits<double>::infinity();
    for (int s = 0; s < stages; ++s) best = std::min(best, cost[static_cast<std::size_t>(s)][static_cast<std::size_t>(l)]);
    lower = std::max(lower, best);
  }
  std::vector<std::vector<char>> reach;
  double hi = std::numeric_limits<double>::max();
  if (!reachable(sc, layers, hi, reach)) return out;  // infinite costs leave no admissible split
  {
    const auto ends = reconstruct(sc, layers, hi, reach);
    double worst = 0.0;
    for (int s = 0, a = 0; s < stages; a = ends[static_cast<std::size_t>(s)], ++s)
      worst = std::max(worst, sc[static_cast<std::size_t>(s)].range(a, ends[static_cast<std::size_t>(s)]));
    hi = worst;
  }
  double lo = std::min(lower, hi);
  for (int i = 0; i < bisection_steps && hi - lo > 1e-12 * hi; ++i) {
    const double mid = lo + (hi - lo) / 2;
    if (reachable(sc, layers, mid, reach)) hi = mid; else lo = mid;
  }
  (void)reachable(sc, layers, hi, reach);
  out.end_layer = reconstruct(sc, layers, hi, reach);
  for (int s = 0, a = 0; s < stages; a = out.end_layer[static_cast<std::size_t>(s)], ++s)
    out.max_stage_cost = std::max(out.max_stage_cost, sc[static_cast<std::size_t>(s)].range(a, out.end_layer[static_cast<std::size_t>(s)]));
  return out;
}

}  // namespace cellsched
