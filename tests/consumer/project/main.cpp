// A program as a user would write it against the installed package.
#include <cellsched/cellsched.hpp>
#include <cstdio>

int main() {
  cellsched::hardware_catalog catalog;
  cellsched::gpu_type t;
  t.name = "Mine";
  t.peak_fp16_tflops = 100.0;
  catalog.add(t);
  const bool ok = catalog.find("MINE") != nullptr && std::string(cellsched::version_string) == "0.1.0";
  std::printf("cellsched %s consumer: %s\n", cellsched::version_string, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
