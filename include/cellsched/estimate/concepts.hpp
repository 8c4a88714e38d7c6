#pragma once
// The extension point the plan search and the policies take: anything that can estimate a plan on a Cell.
// A host may plug in a measured table or its own model as long as it models `estimator`.
#include <concepts>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

template <class E>
concept estimator = requires(const E& e, const model& m, const cell& c, const plan& p) {
  { e.estimate(m, c, p) } -> std::same_as<estimate_result>;
};

}  // namespace cellsched
