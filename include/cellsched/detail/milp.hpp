#pragma once
// A thin wrapper over COIN-OR CBC for the mixed-integer programs of the Gavel and Sia baselines
// (docs/baselines.md: an established solver library, not a hand-written one).
//
// CBC is optional. Targets that link `cellsched::cbc` get CELLSCHED_HAVE_CBC defined and a working
// `solve()`; without it `solve()` returns milp_status::unavailable and the baselines that need it
// report themselves unavailable instead of failing.
//
// Determinism: CBC runs single-threaded with no time limit, so the same problem gives the same
// answer on every run (a node limit, not a clock, bounds the search when one is asked for).
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#ifdef CELLSCHED_HAVE_CBC
#include <CbcHeuristic.hpp>
#include <CbcHeuristicFPump.hpp>
#include <CbcHeuristicLocal.hpp>
#include <CbcModel.hpp>
#include <CglClique.hpp>
#include <CglFlowCover.hpp>
#include <CglGomory.hpp>
#include <CglKnapsackCover.hpp>
#include <CglMixedIntegerRounding2.hpp>
#include <CglProbing.hpp>
#include <CoinMessageHandler.hpp>
#include <CoinPackedMatrix.hpp>
#include <CoinPackedVector.hpp>
#include <OsiClpSolverInterface.hpp>
#endif

namespace cellsched::detail {

enum class milp_status {
  optimal,      ///< proven optimal (within the requested gap)
  infeasible,   ///< proven infeasible
  feasible,     ///< stopped at the node limit with a solution that is not proven optimal
  no_solution,  ///< stopped at the node limit without any solution, or unbounded
  unavailable,  ///< built without COIN-OR CBC
};

[[nodiscard]] inline const char* to_string(milp_status s) noexcept {
  switch (s) {
    case milp_status::optimal:
      return "optimal";
    case milp_status::infeasible:
      return "infeasible";
    case milp_status::feasible:
      return "feasible";
    case milp_status::no_solution:
      return "no solution";
    case milp_status::unavailable:
      return "unavailable (built without COIN-OR CBC)";
  }
  return "no solution";
}

/// True when this translation unit was built against COIN-OR CBC.
[[nodiscard]] constexpr bool milp_solver_available() noexcept {
#ifdef CELLSCHED_HAVE_CBC
  return true;
#else
  return false;
#endif
}

inline constexpr double milp_infinity = std::numeric_limits<double>::infinity();

struct milp_term {
  int var = 0;
  double coef = 0.0;
};

/// A problem in the form  opt c·x  s.t.  row_lo <= A x <= row_hi,  col_lo <= x <= col_hi,  x_i integer for i in I.
class milp {
 public:
  /// Adds a variable; returns its index.
  int add_var(double lo, double hi, double objective, bool integer) {
    col_lo_.push_back(lo);
    col_hi_.push_back(hi);
    obj_.push_back(objective);
    integer_.push_back(integer);
    return static_cast<int>(obj_.size()) - 1;
  }
  int add_binary(double objective) { return add_var(0.0, 1.0, objective, true); }

  /// Adds lo <= Σ coef·x[var] <= hi (use ±milp_infinity for a one-sided row).
  void add_row(std::vector<milp_term> terms, double lo, double hi) {
    rows_.push_back(std::move(terms));
    row_lo_.push_back(lo);
    row_hi_.push_back(hi);
  }

  void maximize(bool on = true) noexcept { maximize_ = on; }
  [[nodiscard]] bool is_maximize() const noexcept { return maximize_; }
  [[nodiscard]] int num_vars() const noexcept { return static_cast<int>(obj_.size()); }
  [[nodiscard]] int num_rows() const noexcept { return static_cast<int>(rows_.size()); }
  [[nodiscard]] const std::vector<double>& objective() const noexcept { return obj_; }
  [[nodiscard]] const std::vector<double>& col_lo() const noexcept { return col_lo_; }
  [[nodiscard]] const std::vector<double>& col_hi() const noexcept { return col_hi_; }
  [[nodiscard]] const std::vector<bool>& is_integer() const noexcept { return integer_; }
  [[nodiscard]] const std::vector<std::vector<milp_term>>& rows() const noexcept { return rows_; }
  [[nodiscard]] const std::vector<double>& row_lo() const noexcept { return row_lo_; }
  [[nodiscard]] const std::vector<double>& row_hi() const noexcept { return row_hi_; }

 private:
  std::vector<double> col_lo_, col_hi_, obj_;
  std::vector<bool> integer_;
  std::vector<std::vector<milp_term>> rows_;
  std::vector<double> row_lo_, row_hi_;
  bool maximize_ = false;
};

struct milp_options {
  long max_nodes = -1;        ///< branch-and-bound node limit; < 0 = none (exact)
  double relative_gap = 0.0;  ///< stop when (best bound - incumbent) / |incumbent| <= this; 0 = exact
  std::vector<double> start;  ///< optional feasible starting point (one value per variable)
};

struct milp_solution {
  milp_status status = milp_status::no_solution;
  double objective = 0.0;
  std::vector<double> values;  ///< one per variable when a solution exists; integers rounded
  [[nodiscard]] bool has_solution() const noexcept {
    return status == milp_status::optimal || status == milp_status::feasible;
  }
  /// A binary/integer variable's value as an integer.
  [[nodiscard]] long as_int(int var) const { return std::lround(values.at(static_cast<std::size_t>(var))); }
};

#ifdef CELLSCHED_HAVE_CBC
namespace milp_impl {
inline double to_coin(double v, double inf) { return std::isinf(v) ? (v > 0 ? inf : -inf) : v; }
}  // namespace milp_impl
#endif

/// Solves `m` with CBC. Without CBC returns status `unavailable`.
[[nodiscard]] inline milp_solution solve(const milp& m, const milp_options& opt = {}) {
  milp_solution out;
#ifndef CELLSCHED_HAVE_CBC
  (void)m;
  (void)opt;
  out.status = milp_status::unavailable;
  return out;
#else
  const int n = m.num_vars();
  if (n == 0) {
    // CBC does not accept an empty column set; an empty problem is optimal iff every row admits 0.
    for (int r = 0; r < m.num_rows(); ++r) {
      const auto i = static_cast<std::size_t>(r);
      if (m.row_lo()[i] > 1e-9 || m.row_hi()[i] < -1e-9) {
        out.status = milp_status::infeasible;
        return out;
      }
    }
    out.status = milp_status::optimal;
    return out;
  }
  OsiClpSolverInterface si;
  const double inf = si.getInfinity();
  CoinPackedMatrix matrix(false, 0, 0);
  matrix.setDimensions(0, n);
  std::vector<double> rlo, rhi;
  for (int r = 0; r < m.num_rows(); ++r) {
    const auto i = static_cast<std::size_t>(r);
    CoinPackedVector row;
    for (const auto& t : m.rows()[i]) row.insert(t.var, t.coef);
    matrix.appendRow(row);
    rlo.push_back(milp_impl::to_coin(m.row_lo()[i], inf));
    rhi.push_back(milp_impl::to_coin(m.row_hi()[i], inf));
  }
  std::vector<double> clo, chi;
  for (int c = 0; c < n; ++c) {
    const auto i = static_cast<std::size_t>(c);
    clo.push_back(milp_impl::to_coin(m.col_lo()[i], inf));
    chi.push_back(milp_impl::to_coin(m.col_hi()[i], inf));
  }
  si.messageHandler()->setLogLevel(0);
  si.loadProblem(matrix, clo.data(), chi.data(), m.objective().data(), rlo.data(), rhi.data());
  for (int c = 0; c < n; ++c)
    if (m.is_integer()[static_cast<std::size_t>(c)]) si.setInteger(c);
  si.setObjSense(m.is_maximize() ? -1.0 : 1.0);

  CbcModel model(si);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.solver()->messageHandler()->setLogLevel(0);
  model.setNumberThreads(0);
  model.setAllowableGap(1e-9);
  model.setAllowableFractionGap(opt.relative_gap);
  model.setAllowablePercentageGap(opt.relative_gap * 100.0);
  if (opt.max_nodes >= 0) model.setMaximumNodes(static_cast<int>(opt.max_nodes));
  if (opt.start.size() == static_cast<std::size_t>(n)) {
    // CBC checks the start itself and ignores it when infeasible.
    double start_obj = 0.0;
    for (std::size_t i = 0; i < opt.start.size(); ++i) start_obj += opt.start[i] * m.objective()[i];
    model.setBestSolution(opt.start.data(), n, m.is_maximize() ? -start_obj : start_obj, true);
  }
  // CBC's usual cut generators and primal heuristics (as its stand-alone solver uses): on the
  // assignment-with-capacity programs of the baselines they cut the search tree by one to two orders of
  // magnitude against plain branch and bound.
  CglProbing probing;
  probing.setUsingObjective(1);
  probing.setMaxPass(3);
  probing.setMaxProbe(100);
  probing.setMaxLook(50);
  CglGomory gomory;
  CglKnapsackCover knapsack;
  CglClique clique;
  clique.setStarCliqueReport(false);
  clique.setRowCliqueReport(false);
  CglMixedIntegerRounding2 mir;
  CglFlowCover flow;
  model.addCutGenerator(&probing, -1, "Probing");
  model.addCutGenerator(&gomory, -1, "Gomory");
  model.addCutGenerator(&knapsack, -1, "Knapsack");
  model.addCutGenerator(&clique, -1, "Clique");
  model.addCutGenerator(&mir, -1, "MIR2");
  model.addCutGenerator(&flow, -1, "FlowCover");
  CbcRounding rounding(model);
  CbcHeuristicFPump pump(model);
  CbcHeuristicLocal local(model);
  model.addHeuristic(&rounding);
  model.addHeuristic(&pump);
  model.addHeuristic(&local);
  model.initialSolve();
  if (model.solver()->isProvenPrimalInfeasible()) {
    out.status = milp_status::infeasible;
    return out;
  }
  if (!model.solver()->isProvenOptimal()) {  // unbounded or numerically failed relaxation
    out.status = milp_status::no_solution;
    return out;
  }
  model.branchAndBound();
  const double* best = model.bestSolution();
  if (best == nullptr) {
    out.status = model.isProvenInfeasible() ? milp_status::infeasible : milp_status::no_solution;
    return out;
  }
  out.status = model.isProvenOptimal() ? milp_status::optimal : milp_status::feasible;
  out.values.assign(best, best + n);
  out.objective = 0.0;
  for (int c = 0; c < n; ++c) {
    const auto i = static_cast<std::size_t>(c);
    if (m.is_integer()[i]) out.values[i] = std::round(out.values[i]);
    out.objective += out.values[i] * m.objective()[i];
  }
  return out;
#endif
}

}  // namespace cellsched::detail
