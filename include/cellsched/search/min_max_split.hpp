#pragma once
// Contiguous split of L layers into S non-empty stages that minimises the largest stage cost, where
// layer l costs cost[s][l] on stage s (stages may run at different speeds: different GPU counts, shapes
// or GPU types). +infinity marks a layer that may not sit on a stage (e.g. a tp the layer does not allow).
//
// Feasibility of a bound T is decided exactly by a reachability pass over (stage, prefix) in O(S·L):
// for a fixed end b the admissible starts a of stage s form one interval (costs are non-negative, so
// the stage cost falls as a grows), found with a moving pointer. T is then bisected between a lower
// bound and a feasible bound, to a relative width of min_max_tolerance. Among the splits within the final bound the one
// whose later stages are as long as possible is returned: in 1F1B, stage s keeps S - s micro-batches of activations in
// flight, so the lighter early stages are the ones that hold the most.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace cellsched {

namespace min_max_detail {

struct stage_costs {
  std::vector<double> prefix;  ///< sum of finite costs of layers [0, l)
  std::vector<int> last_inf;   ///< largest index < l of a layer with infinite cost, -1 if none
  [[nodiscard]] double range(int a, int b) const {
    if (last_inf[static_cast<std::size_t>(b)] >= a) return std::numeric_limits<double>::infinity();
    return prefix[static_cast<std::size_t>(b)] - prefix[static_cast<std::size_t>(a)];
  }
};

/// reach[s * (layers + 1) + b]: stages 0..s-1 can cover layers [0, b) within bound t. `reach` is a
/// caller-owned buffer of (stages + 1) x (layers + 1), reused across calls.
inline bool reachable(const std::vector<stage_costs>& sc, int layers, double t, std::vector<char>& reach) {
  const auto stages = static_cast<int>(sc.size());
  const auto row = static_cast<std::size_t>(layers + 1);
  std::fill(reach.begin(), reach.end(), 0);
  reach[0] = 1;
  for (int s = 0; s < stages; ++s) {
    const char* r = &reach[static_cast<std::size_t>(s) * row];
    char* next = &reach[static_cast<std::size_t>(s + 1) * row];
    const stage_costs& c = sc[static_cast<std::size_t>(s)];
    int lo = 0;     // smallest start with finite prefix cost within t; non-decreasing in b
    int last = -1;  // largest a < b with r[a] set
    bool any = false;
    // Stage s ends after at least s + 1 layers and leaves one for each later stage; the last stage
    // only matters at b = layers.
    const int b_first = s + 1 == stages ? layers : s + 1;
    const int b_last = layers - (stages - 1 - s);
    for (int a = 0; a < b_first - 1; ++a)
      if (r[a]) last = a;
    for (int b = b_first; b <= b_last; ++b) {
      if (r[b - 1]) last = b - 1;
      while (lo < b && c.prefix[static_cast<std::size_t>(b)] - c.prefix[static_cast<std::size_t>(lo)] > t) ++lo;
      if (last >= std::max(lo, c.last_inf[static_cast<std::size_t>(b)] + 1)) {
        next[b] = 1;
        any = true;
      }
    }
    if (!any) return false;
  }
  return reach[static_cast<std::size_t>(stages) * row + static_cast<std::size_t>(layers)] != 0;
}

/// The split within bound t whose later stages start as early as possible (end layer per stage).
inline std::vector<int> reconstruct(const std::vector<stage_costs>& sc, int layers, double t,
                                    const std::vector<char>& reach) {
  const auto stages = static_cast<int>(sc.size());
  const auto row = static_cast<std::size_t>(layers + 1);
  std::vector<int> ends(static_cast<std::size_t>(stages));
  int end = layers;
  for (int s = stages - 1; s >= 0; --s) {
    ends[static_cast<std::size_t>(s)] = end;
    int a = s;  // stages 0..s-1 are non-empty, so stage s starts at s or later
    while (!(reach[static_cast<std::size_t>(s) * row + static_cast<std::size_t>(a)] &&
             sc[static_cast<std::size_t>(s)].range(a, end) <= t))
      ++a;  // terminates: reach[stages][layers] was set, so some admissible start exists
    end = a;
  }
  return ends;
}

}  // namespace min_max_detail

struct layer_split {
  std::vector<int> end_layer;  ///< one past the last layer of each stage; empty when no split exists
  double max_stage_cost = 0.0;
};

/// Relative width at which the bisection stops: the split returned is within this factor of the optimum
/// (stage costs are estimates; finer is noise) and is still a deterministic function of the costs.
inline constexpr double min_max_tolerance = 1e-6;

/// `cost[s][l]`: cost of layer l on stage s, >= 0 or +infinity. Deterministic.
[[nodiscard]] inline layer_split min_max_split(const std::vector<std::vector<double>>& cost, int layers) {
  using namespace min_max_detail;
  const int stages = static_cast<int>(cost.size());
  layer_split out;
  if (stages < 1 || layers < stages) return out;
  std::vector<stage_costs> sc(static_cast<std::size_t>(stages));
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
  // Lower bound: no stage costs less than a layer on its cheapest stage, and the S stages together cost
  // at least every layer on its cheapest stage.
  double lower = 0.0, cheapest_sum = 0.0;
  for (int l = 0; l < layers; ++l) {
    double best = std::numeric_limits<double>::infinity();
    for (int s = 0; s < stages; ++s)
      best = std::min(best, cost[static_cast<std::size_t>(s)][static_cast<std::size_t>(l)]);
    lower = std::max(lower, best);
    cheapest_sum += best;
  }
  lower = std::max(lower, cheapest_sum / stages);
  std::vector<char> reach(static_cast<std::size_t>(stages + 1) * static_cast<std::size_t>(layers + 1));
  if (!std::isfinite(lower) || !reachable(sc, layers, std::numeric_limits<double>::max(), reach))
    return out;  // infinite costs leave no admissible split
  // Bracket: widen above the lower bound until feasible (usually within a few percent), then bisect.
  double lo = lower, hi = lower;
  for (double slack = 0.01; !reachable(sc, layers, hi, reach); slack *= 2) {
    lo = hi;
    hi = lower * (1.0 + slack) + (lower == 0.0 ? slack : 0.0);
    if (!std::isfinite(hi)) return out;
  }
  while (hi - lo > min_max_tolerance * hi) {
    const double mid = lo + (hi - lo) / 2;
    if (reachable(sc, layers, mid, reach))
      hi = mid;
    else
      lo = mid;
  }
  (void)reachable(sc, layers, hi, reach);
  out.end_layer = reconstruct(sc, layers, hi, reach);
  for (int s = 0, a = 0; s < stages; a = out.end_layer[static_cast<std::size_t>(s)], ++s)
    out.max_stage_cost = std::max(out.max_stage_cost,
                                  sc[static_cast<std::size_t>(s)].range(a, out.end_layer[static_cast<std::size_t>(s)]));
  return out;
}

}  // namespace cellsched
