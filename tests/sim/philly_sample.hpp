#pragma once
// A small slice of the Philly experiment for policy tests: the first `jobs` jobs of the bundled trace
// (iterations divided by `divisor`) on a 40-GPU cluster with every GPU type of the reference cluster
// (2 x 4 A100, 1 x 16 V100, 4 x 2 A40, 4 x 2 A10), answered by the reference profile table.
#include <string>
#include <vector>

#include <cellsched/hardware/cluster.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>

struct philly_sample {
  cellsched::cluster topology;
  std::vector<cellsched::job> trace;
  cellsched::reference_perf_table table;

  philly_sample(std::size_t jobs, int divisor)
      : topology(make_cluster()),
        trace(cellsched::io::load_trace_file(std::string(CELLSCHED_DATA_DIR) + "/traces/philly.csv",
                                             cellsched::io::trace_options{divisor, {}})),
        table(cellsched::io::load_reference_table(std::string(CELLSCHED_DATA_DIR) + "/perf/arena-profile-db.json",
                                                  topology.catalog())) {
    if (trace.size() > jobs) trace.resize(jobs);
    table.bind_cluster(topology);
  }

 private:
  static cellsched::cluster make_cluster() {
    const cellsched::cluster big =
        cellsched::io::load_cluster_file(std::string(CELLSCHED_DATA_DIR) + "/clusters/arena-1280.json");
    cellsched::cluster c("philly-sample", big.catalog());
    c.add_nodes("a100-40gb", 2, 4);
    c.add_nodes("v100-32gb", 1, 16);
    c.add_nodes("a40", 4, 2);
    c.add_nodes("a10", 4, 2);
    return c;
  }
};
