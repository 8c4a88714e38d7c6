#pragma once
// The extension point the plan search and the policies take: anything that can estimate a plan on a Cell.
// A host may plug in a measured table or its own model as long as it models `estimator`.
//
// The signature is all the concept checks. What the pruned plan search (search/cell_search.hpp) may
// assume beyond it, the estimator declares through an optional member
//
//     [[nodiscard]] estimator_guarantees guarantees() const;
//
// Rules:
//   * An estimator without guarantees() declares nothing. The search then prunes only what the plan
//     space itself rules out and still returns the exhaustive search's plan; it evaluates more plans.
//   * Each flag names requirements stated in search/options.hpp (R-mem, R-rc, R-gp, R-mb, R-lb, R-st,
//     R-dp, R-mt). Declare a flag only when every answer the estimator gives obeys them; a false promise
//     lets the search skip the best plan. The search tests check the bundled estimators' declarations
//     against their answers (tests/search/requirements_check.hpp).
//   * The declaration may depend on the object's state: the analytic estimator withdraws R-rc and the
//     micro-batch requirements once measured stage scales are set, since measured times need not obey them.
//   * search_options can turn a declared pruning off (prune_memory, prune_recompute, prune_gpipe,
//     bound_micro_batches) but never assume what was not declared.
//
// Worked example. A host wraps a table of measured iteration times. Measured times make no promise about
// recomputation or micro-batch counts, but its memory figures come from a formula that grows with the
// activations in flight, so R-mem holds; GPipe was measured slower than 1F1B everywhere, so R-gp holds:
//
//     struct measured_table {
//       estimate_result estimate(const model&, const cell&, const plan&) const;  // looks the plan up
//       estimator_guarantees guarantees() const {
//         estimator_guarantees g;
//         g.memory_monotone = true;      // R-mem: P1 skips variants hungrier than one that did not fit
//         g.gpipe_never_faster = true;   // R-gp: P2 skips GPipe when its 1F1B twin is feasible
//         return g;                      // no R-rc, no micro-batch bounds: those plans are all evaluated
//       }
//     };
//     static_assert(estimator<measured_table>);
//
// search_cell(measured_table{...}, m, c, batch) then prunes with P1 and P2 (GPipe only) and evaluates
// every recomputation setting and every micro-batch count.
#include <concepts>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

template <class E>
concept estimator = requires(const E& e, const model& m, const cell& c, const plan& p) {
  { e.estimate(m, c, p) } -> std::same_as<estimate_result>;
};

/// What an estimator promises about its answers beyond the signature (requirements in search/options.hpp).
/// Default: nothing.
struct estimator_guarantees {
  bool memory_monotone = false;         ///< R-mem: ZeRO-1 or 1F1B never makes an unfit plan fit
  bool recompute_never_faster = false;  ///< R-rc: recomputation never lowers the iteration time
  bool gpipe_never_faster = false;      ///< R-gp: GPipe never beats 1F1B
  bool micro_batch_bounds = false;      ///< R-mb, R-lb, R-st, R-dp, R-mt: how fit and stage times move with m

  /// Every guarantee (an estimator built from the formulas of estimate/pipeline.hpp and estimate/memory.hpp).
  [[nodiscard]] static constexpr estimator_guarantees all() noexcept { return {true, true, true, true}; }
  friend constexpr bool operator==(const estimator_guarantees&, const estimator_guarantees&) = default;
};

/// True when E declares its guarantees (a const guarantees() member returning estimator_guarantees).
template <class E>
concept declares_guarantees = requires(const E& e) {
  { e.guarantees() } -> std::same_as<estimator_guarantees>;
};

/// The guarantees `e` declares; none when it declares nothing.
template <estimator E>
[[nodiscard]] constexpr estimator_guarantees guarantees_of(const E& e) {
  if constexpr (declares_guarantees<E>)
    return e.guarantees();
  else
    return {};
}

}  // namespace cellsched
