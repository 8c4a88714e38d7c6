#include <catch2/catch.hpp>

#include <cellsched/detail/milp.hpp>

#include <cstdint>
#include <random>
#include <vector>

using namespace cellsched::detail;

#ifdef CELLSCHED_HAVE_CBC

TEST_CASE("MILP: 0/1 knapsack with a known optimum", "[milp]") {
  // Weights 12, 2, 1, 1, 4 and values 4, 2, 1, 2, 10 with capacity 15: the best pick is items
  // 1, 2, 3, 4 (weight 8, value 15); worked by hand over the 32 subsets.
  const std::vector<double> w{12, 2, 1, 1, 4}, v{4, 2, 1, 2, 10};
  milp m;
  m.maximize();
  std::vector<milp_term> row;
  for (std::size_t i = 0; i < w.size(); ++i) row.push_back({m.add_binary(v[i]), w[i]});
  m.add_row(row, -milp_infinity, 15);
  const auto s = solve(m);
  REQUIRE(s.status == milp_status::optimal);
  CHECK(s.objective == Approx(15.0));
  CHECK(s.as_int(0) == 0);
  for (int i = 1; i < 5; ++i) CHECK(s.as_int(i) == 1);
}

TEST_CASE("MILP: assignment problem picks the cheapest permutation", "[milp]") {
  // The six permutations cost 12, 18, 6, 13, 20 and 21; the cheapest is 0->1, 1->0, 2->2 (2 + 3 + 1).
  const double cost[3][3] = {{4, 2, 8}, {3, 7, 5}, {6, 9, 1}};
  milp m;
  int x[3][3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) x[i][j] = m.add_binary(cost[i][j]);
  for (int i = 0; i < 3; ++i) {
    m.add_row({{x[i][0], 1}, {x[i][1], 1}, {x[i][2], 1}}, 1, 1);
    m.add_row({{x[0][i], 1}, {x[1][i], 1}, {x[2][i], 1}}, 1, 1);
  }
  const auto s = solve(m);
  REQUIRE(s.status == milp_status::optimal);
  CHECK(s.objective == Approx(6.0));
  CHECK(s.as_int(x[0][1]) == 1);
  CHECK(s.as_int(x[1][0]) == 1);
  CHECK(s.as_int(x[2][2]) == 1);
}

TEST_CASE("MILP: infeasible and integer-only-feasible problems", "[milp]") {
  SECTION("x + y = 3 with binaries is infeasible") {
    milp m;
    const int a = m.add_binary(1), b = m.add_binary(1);
    m.add_row({{a, 1}, {b, 1}}, 3, 3);
    CHECK(solve(m).status == milp_status::infeasible);
  }
  SECTION("2x = 3 has an LP solution but no integer one") {
    milp m;
    const int a = m.add_var(0, 10, 1, true);
    m.add_row({{a, 2}}, 3, 3);
    CHECK(solve(m).status == milp_status::infeasible);
  }
  SECTION("general integers and a continuous variable") {
    // max 3a + 2b + c, a,b integer in [0,5], c in [0, 0.5], a + b + c <= 4.5, a - b <= 1
    milp m;
    m.maximize();
    const int a = m.add_var(0, 5, 3, true), b = m.add_var(0, 5, 2, true), c = m.add_var(0, 0.5, 1, false);
    m.add_row({{a, 1}, {b, 1}, {c, 1}}, -milp_infinity, 4.5);
    m.add_row({{a, 1}, {b, -1}}, -milp_infinity, 1);
    const auto s = solve(m);
    REQUIRE(s.status == milp_status::optimal);
    // a = 2, b = 2, c = 0.5 gives 10.5; a + b <= 4 and a - b <= 1 forbid anything better.
    CHECK(s.objective == Approx(10.5));
    CHECK(s.as_int(a) == 2);
    CHECK(s.as_int(b) == 2);
    CHECK(s.values[static_cast<std::size_t>(c)] == Approx(0.5));
  }
}

namespace {

// Exhaustive optimum of a pure-binary problem: max c·x subject to lo <= A x <= hi.
struct brute_result {
  bool feasible = false;
  double best = 0.0;
};

brute_result brute_force(const milp& m) {
  brute_result r;
  const int n = m.num_vars();
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    bool ok = true;
    for (int row = 0; row < m.num_rows() && ok; ++row) {
      double lhs = 0;
      for (const auto& t : m.rows()[static_cast<std::size_t>(row)]) lhs += ((mask >> t.var) & 1u) ? t.coef : 0.0;
      ok = lhs >= m.row_lo()[static_cast<std::size_t>(row)] - 1e-9 &&
           lhs <= m.row_hi()[static_cast<std::size_t>(row)] + 1e-9;
    }
    if (!ok) continue;
    double obj = 0;
    for (int i = 0; i < n; ++i) obj += ((mask >> i) & 1u) ? m.objective()[static_cast<std::size_t>(i)] : 0.0;
    if (!r.feasible || obj > r.best) r.best = obj;
    r.feasible = true;
  }
  return r;
}

}  // namespace

TEST_CASE("MILP: equals brute force on random small binary problems", "[milp]") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> coef(-3, 6), val(-5, 20), nvar(2, 12), nrow(1, 4);
  int feasible = 0, infeasible = 0;
  for (int trial = 0; trial < 200; ++trial) {
    milp m;
    m.maximize();
    const int n = nvar(rng);
    for (int i = 0; i < n; ++i) m.add_binary(val(rng));
    const int rows = nrow(rng);
    for (int r = 0; r < rows; ++r) {
      std::vector<milp_term> terms;
      double sum_pos = 0;
      for (int i = 0; i < n; ++i) {
        const int c = coef(rng);
        if (c != 0) terms.push_back({i, static_cast<double>(c)});
        sum_pos += c > 0 ? c : 0;
      }
      const double hi = std::uniform_real_distribution<double>(0.0, sum_pos)(rng);
      const double lo = (r % 3 == 2) ? 1.0 : -milp_infinity;  // some rows also need a lower bound
      m.add_row(std::move(terms), lo, std::floor(hi));
    }
    const auto s = solve(m);
    const auto b = brute_force(m);
    INFO("trial " << trial);
    if (b.feasible) {
      ++feasible;
      REQUIRE(s.status == milp_status::optimal);
      CHECK(s.objective == Approx(b.best).margin(1e-6));
    } else {
      ++infeasible;
      CHECK(s.status == milp_status::infeasible);
    }
  }
  // The generator must exercise both outcomes, or the comparison proves little.
  CHECK(feasible > 50);
  CHECK(infeasible > 0);
}

TEST_CASE("MILP: a feasible start is accepted and the answer is still optimal", "[milp]") {
  milp m;
  m.maximize();
  std::vector<milp_term> row;
  for (int i = 0; i < 6; ++i) row.push_back({m.add_binary(i + 1.0), 1.0});
  m.add_row(row, -milp_infinity, 2);
  milp_options o;
  o.start = {1, 1, 0, 0, 0, 0};  // feasible, value 3; the optimum is items 4 and 5 (value 11)
  const auto s = solve(m, o);
  REQUIRE(s.status == milp_status::optimal);
  CHECK(s.objective == Approx(11.0));
}

TEST_CASE("MILP: an empty problem is trivially optimal", "[milp]") {
  milp m;
  const auto s = solve(m);
  CHECK(s.status == milp_status::optimal);
  CHECK(s.objective == 0.0);
  CHECK(milp_solver_available());
}

#else

TEST_CASE("MILP: without CBC the wrapper says it is unavailable", "[milp]") {
  milp m;
  m.add_binary(1.0);
  const auto s = solve(m);
  CHECK_FALSE(milp_solver_available());
  CHECK(s.status == milp_status::unavailable);
  CHECK_FALSE(s.has_solution());
  CHECK(std::string(to_string(s.status)) == "unavailable (built without COIN-OR CBC)");
}

#endif
