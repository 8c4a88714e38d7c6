// Synthetic cluster generator (shares, node sizes, links, round trip through the cluster file) and the
// workload sizing helpers (best-locality layouts, requested demand, arrival rate for a load).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/error.hpp>
#include <cellsched/cell/perf_oracle.hpp>
#include <cellsched/sim/synthetic_cluster.hpp>
#include <cellsched/sim/synthetic_load.hpp>
#include <cellsched/sim/synthetic_trace.hpp>

using namespace cellsched;
using namespace cellsched::sim;

namespace {

/// One iteration takes 1 s on any 'a100-40gb' allocation of at most 8 GPUs, 2 s on 't4' up to 4 GPUs;
/// everything else is infeasible.
struct toy_oracle {
  [[nodiscard]] perf_answer query(const job&, const std::string& type, const node_layout& layout) const {
    int gpus = 0;
    for (int n : layout) gpus += n;
    perf_answer a;
    if (type == "a100-40gb" && gpus <= 8) a.iter_time_s = 1.0;
    if (type == "t4" && gpus <= 4) a.iter_time_s = 2.0;
    a.feasible = a.iter_time_s > 0;
    return a;
  }
};
static_assert(perf_oracle<toy_oracle>);

job request(const std::string& type, int gpus, std::int64_t iterations) {
  job j;
  j.id = type + std::to_string(gpus);
  j.model = "bert__1.3B";
  j.global_batch = 256;
  j.iterations = iterations;
  j.requested_gpu_type = type;
  j.requested_gpus = gpus;
  return j;
}

}  // namespace

TEST_CASE("synthetic cluster: 20,000 GPUs over the eight default types, by share, whole nodes") {
  const cluster c = make_synthetic_cluster({});
  CHECK(c.total_gpus() == 20'000);
  CHECK(c.nodes().size() == 2'500);
  const auto types = c.gpu_types_present();
  REQUIRE(types.size() == 8);
  // 2,500 nodes: 15% -> 375 nodes (3,000 GPUs), 10% -> 250 nodes (2,000 GPUs), exactly.
  CHECK(c.total_gpus_of("h100-sxm") == 3'000);
  CHECK(c.total_gpus_of("a100-80gb") == 3'000);
  CHECK(c.total_gpus_of("v100-32gb") == 2'000);
  CHECK(c.total_gpus_of("t4") == 2'000);
  for (const auto& n : c.nodes()) {
    const gpu_type& t = c.type_of(n);
    CHECK(n.num_gpus == t.gpus_per_node);
    CHECK(n.intra_link_gb_per_s == t.intra_link_gb_per_s);
    CHECK(n.inter_node_gb_per_s == t.inter_node_gb_per_s);
  }
}

TEST_CASE("synthetic cluster: uneven counts, given shares and node sizes, errors") {
  synthetic_cluster_spec spec;
  spec.total_gpus = 1'003;
  spec.types = {{"h100", 1}, {"A40", 3}};
  const cluster c = make_synthetic_cluster(spec);
  CHECK(c.total_gpus() == 1'003);
  // 125 nodes of 8: a quarter (31.25 -> 31) H100, the rest (93.75 -> 94) A40; 3 GPUs left over form
  // one more H100 node.
  CHECK(c.total_gpus_of("h100-sxm") == 31 * 8 + 3);
  CHECK(c.total_gpus_of("a40") == 94 * 8);
  CHECK(c.nodes().back().num_gpus == 3);

  spec.total_gpus = 64;
  spec.gpus_per_node = 4;
  CHECK(make_synthetic_cluster(spec).nodes().size() == 16);

  spec.types = {{"tpu-v4", 1}};
  CHECK_THROWS_AS(make_synthetic_cluster(spec), input_error);
  spec.types = {{"t4", 0}};
  CHECK_THROWS_AS(make_synthetic_cluster(spec), input_error);
  spec.types = {{"t4", 1}, {"Tesla T4", 1}};  // the same type twice, by alias
  CHECK_THROWS_AS(make_synthetic_cluster(spec), input_error);
}

TEST_CASE("synthetic cluster: the written file loads back through the strict loader unchanged") {
  const cluster c = make_synthetic_cluster({});
  const auto path = std::filesystem::temp_directory_path() / ("cellsched_syncluster_" + std::to_string(::getpid()) + ".json");
  io::save_cluster_file(c, path.string());
  const cluster back = io::load_cluster_file(path.string());
  std::filesystem::remove(path);
  CHECK(io::to_json(back).dump() == io::to_json(c).dump());
  REQUIRE(back.nodes().size() == c.nodes().size());
  CHECK(back.nodes().back().gpu_type == c.nodes().back().gpu_type);
}

TEST_CASE("workload sizing: best-locality layouts, requested demand and the rate for a load") {
  synthetic_cluster_spec spec;
  spec.total_gpus = 32;
  spec.types = {{"a100-40gb", 1}, {"t4", 1}};
  const cluster c = make_synthetic_cluster(spec);
  CHECK(best_locality_layout(c, "a100-40gb", 20) == node_layout{8, 8, 4});
  CHECK(best_locality_layout(c, "a100-40gb", 3) == node_layout{3});
  CHECK(best_locality_layout(c, "h100-sxm", 3).empty());

  // 4 A100 x 100 iterations x 1 s = 400 GPU-s; 2 T4 x 50 x 2 s = 200 GPU-s; 8 T4 are infeasible for the
  // oracle; 32 A100 exceed the cluster's 16; no request at all is unrunnable too.
  job none = request("t4", 1, 10);
  none.requested_gpu_type.reset();
  const std::vector<job> jobs = {request("a100-40gb", 4, 100), request("t4", 2, 50), request("t4", 8, 10),
                                 request("a100-40gb", 32, 10), none};
  const toy_oracle oracle;
  const workload_demand d = requested_demand(jobs, c, oracle);
  CHECK(d.gpu_seconds == 600.0);
  CHECK(d.runnable == 2);
  CHECK(d.unrunnable == 3);
  CHECK(d.mean_gpus == 3.0);
  CHECK(d.mean_duration_s == 100.0);
  // load = rate x (D / n) / N: 0.5 = rate x (600 / 5) / 32 -> rate = 0.1333 jobs/s = 480 jobs/h.
  CHECK(jobs_per_hour_for_load(0.5, c.total_gpus(), jobs.size(), d) == Approx(480.0));

  const trace_hooks hooks = oracle_trace_hooks(c, oracle);
  CHECK(hooks.accept(jobs[0]));
  CHECK_FALSE(hooks.accept(jobs[2]));
  CHECK_FALSE(hooks.accept(jobs[3]));
  CHECK(hooks.iter_time_s(jobs[1]) == 2.0);
  CHECK(hooks.iter_time_s(jobs[2]) == 0.0);

  // Redrawn requests: with the filter no generated job asks for more than 4 T4 or 8 A100.
  synthetic_trace_spec ts;
  ts.num_jobs = 2'000;
  ts.requested_types = type_mix_of(c);
  ts.duration_median_s = 3'600;
  trace_hooks many = hooks;
  many.request_redraws = 1'000;
  for (const job& j : make_synthetic_trace(ts, 4, many)) {
    CHECK(requested_demand(std::vector<job>{j}, c, oracle).runnable == 1);
  }
}
