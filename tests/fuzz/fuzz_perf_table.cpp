// The reference profile database (reference_perf_table::from_json): any bytes give a table or input_error,
// and queries on an accepted table answer (feasible with a positive finite time, or infeasible) without
// throwing.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/reference_table_json.hpp"
#include "cellsched/schedule/reference_table.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto table = fuzz::value_or_rejected(
      [&] { return io::parse_reference_table(io::parse_json_text(text, "fuzz"), "fuzz", builtin_catalog()); });
  if (!table) return 0;
  fuzz::must_not_throw("perf table queries", [&] {
    const std::vector<node_layout> layouts = {{1}, {2}, {4}, {2, 2}, {4, 4}, {8}, {16}, {1, 1, 1}};
    for (const auto& family : reference_model_families()) {
      for (const auto& model_size : family.sizes) {
        job j;
        j.id = "q";
        j.model = family.name + "__" + model_size;
        for (const std::int64_t batch : {64, 128, 256, 512}) {
          j.global_batch = batch;
          for (const char* type : {"a100", "v100", "a40", "a10", "h100"}) {
            for (const auto& layout : layouts) {
              const perf_answer a = table->query(j, type, layout);
              if (a.feasible && !(a.iter_time_s > 0.0 && std::isfinite(a.iter_time_s) && a.samples_per_s > 0.0 &&
                                  std::isfinite(a.samples_per_s)))
                fuzz::fail("a feasible answer with a non-positive or non-finite time for " + j.model);
            }
          }
        }
      }
    }
  });
  return 0;
}
