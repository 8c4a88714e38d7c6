// A program as a user would write it against the installed package: the umbrella header, a GPU type of
// its own, and the MILP baselines exactly when the package found COIN-OR CBC.
#include <cellsched/cellsched.hpp>
#include <cstdio>
#include <string>

int main() {
  cellsched::hardware_catalog catalog;
  cellsched::gpu_type t;
  t.name = "Mine";
  t.peak_fp16_tflops = 100.0;
  catalog.add(t);
  bool ok = catalog.find("MINE") != nullptr && std::string(cellsched::version_string) == "0.1.0";
#ifdef CONSUMER_EXPECTS_CBC
  constexpr bool expect_milp = true;
#else
  constexpr bool expect_milp = false;
#endif
  ok = ok && cellsched::gavel_policy::available() == expect_milp && cellsched::sia_policy::available() == expect_milp;
  std::printf("cellsched %s consumer (MILP baselines %s): %s\n", cellsched::version_string,
              expect_milp ? "on" : "off", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
