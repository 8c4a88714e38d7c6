// Power figures of the built-in catalog and the power-cap model (hardware/power.hpp), worked by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/hardware/power.hpp>

using namespace cellsched;

TEST_CASE("power: every built-in type has its datasheet board power", "[hardware][power]") {
  for (const auto& t : builtin_catalog().types()) {
    INFO(t.name);
    CHECK(has_power(t));
    CHECK(t.idle_w == 0.0);  // no datasheet publishes it
  }
  CHECK(builtin_catalog().find("a100-40gb")->tdp_w == 400.0);
  CHECK(builtin_catalog().find("t4")->tdp_w == 70.0);
  CHECK(builtin_catalog().find("h100-sxm")->tdp_w == 700.0);
  CHECK(builtin_catalog().find("h100-pcie")->min_power_limit_w == 300.0);
}

TEST_CASE("power: idle power is the type's figure, else the stated share of board power", "[hardware][power]") {
  gpu_type t = *builtin_catalog().find("a100-40gb");
  CHECK(idle_power_w(t) == Approx(40.0));  // 0.1 x 400
  t.idle_w = 55.0;
  CHECK(idle_power_w(t) == 55.0);
}

TEST_CASE("power: a power limit slows compute by the cube root of the dynamic power left", "[hardware][power]") {
  const gpu_type& a100 = *builtin_catalog().find("a100-40gb");  // 400 W, idle 40 W
  // ((200 - 40) / (400 - 40))^(1/3) = (4/9)^(1/3) = 0.763143
  CHECK(compute_clock_share(a100, 200.0) == Approx(0.763143).epsilon(1e-5));
  CHECK(compute_clock_share(a100, 400.0) == 1.0);
  // Busy power: 3/4 of the time at the 400 W limit, 1/4 at 40 W idle = 310 W; under a 200 W limit 160 W.
  CHECK(busy_power_w(a100, 0.75) == Approx(310.0));
  CHECK(busy_power_w(a100, 0.75, 200.0) == Approx(160.0));
  CHECK(busy_power_w(a100, 1.0) == 400.0);
}

TEST_CASE("power: limits outside the accepted range are refused with the range", "[hardware][power]") {
  const gpu_type& a100 = *builtin_catalog().find("a100-40gb");
  CHECK(power_limit_problem(a100, 250.0).empty());
  CHECK(power_limit_problem(a100, 400.0).empty());
  CHECK_THAT(power_limit_problem(a100, 401.0), Catch::Contains("(40, 400] W"));
  CHECK_THAT(power_limit_problem(a100, 40.0), Catch::Contains("(40, 400] W"));
  CHECK_FALSE(power_limit_problem(a100, std::numeric_limits<double>::quiet_NaN()).empty());
  const gpu_type& h100_pcie = *builtin_catalog().find("h100-pcie");  // 300-350 W configurable
  CHECK_THAT(power_limit_problem(h100_pcie, 250.0), Catch::Contains("[300, 350] W"));
  CHECK(power_limit_problem(h100_pcie, 320.0).empty());
  gpu_type none = a100;
  none.tdp_w = 0.0;
  CHECK_THAT(power_limit_problem(none, 100.0), Catch::Contains("no board power"));
}
