#pragma once
// The inputs of the reference Philly experiment, as the benchmarks load them: the bundled 1,280-GPU
// cluster, the Philly trace with iterations divided by 5 (the reference generator's factor) and the
// reference profile table bound to the cluster.
#include <string>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/io/cluster_json.hpp"
#include "cellsched/io/reference_table_json.hpp"
#include "cellsched/io/trace_io.hpp"
#include "cellsched/schedule/reference_table.hpp"

struct philly_inputs {
  cellsched::cluster topology;
  std::vector<cellsched::job> trace;
  cellsched::reference_perf_table table;
};

/// Loads them from the data folder `data`; throws input_error as the loaders do.
[[nodiscard]] inline philly_inputs load_philly_inputs(const std::string& data) {
  using namespace cellsched;
  philly_inputs in{io::load_cluster_file(data + "/clusters/arena-1280.json"), {}, {}};
  io::trace_options topts;
  topts.iteration_divisor = 5;
  in.trace = io::load_trace_file(data + "/traces/philly.csv", topts);
  in.table = io::load_reference_table(data + "/perf/arena-profile-db.json", in.topology.catalog());
  in.table.bind_cluster(in.topology);
  return in;
}
