// A host scheduler loop around the Crius policy — the shape a Slurm plugin, a Kubernetes controller or
// a Ray driver takes. The host owns the clock, its job and node records, and execution; the policy only
// reads a snapshot and returns a decision. Comments marked HOST show where a real system plugs in.
//
// Build: part of the examples (`make`), run: ./build/bin/host_loop
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/schedule/policy.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>

using namespace cellsched;

namespace {

/// The host's own record of a job (a real host keeps this in its database or CRDs).
struct host_job {
  job spec;
  job_state state = job_state::pending;
  std::optional<allocation> alloc;
  std::int64_t done_iterations = 0;
  double queued_s = 0.0;
};

/// The host's record of a node: which local GPUs are taken.
struct host_node {
  bool up = true;
  std::vector<bool> busy;
};

}  // namespace

int main() {
  // HOST: the cluster comes from the inventory (Slurm nodes, Kubernetes node labels, ...).
  const hardware_catalog catalog = builtin_catalog();
  cluster topology("demo", catalog);
  topology.add_nodes("a100-40gb", 2, 4);
  topology.add_nodes("a40", 4, 2);

  // HOST: the performance oracle. Here the reference artifact's measured table; a host may use
  // cellsched's best-plan table or its own measurements (anything modelling perf_oracle).
  reference_perf_table oracle =
      io::load_reference_table(std::string(CELLSCHED_DEFAULT_DATA_DIR) + "/perf/arena-profile-db.json", catalog);
  oracle.bind_cluster(topology);

  crius_policy policy;  // keeps its decision queue between calls; one object for the host's lifetime

  std::map<std::string, host_job> jobs;
  std::vector<std::string> order;  // submission order
  std::vector<host_node> nodes;
  for (const auto& n : topology.nodes())
    nodes.push_back({true, std::vector<bool>(static_cast<std::size_t>(n.num_gpus), false)});

  // HOST: submissions arrive from users (sbatch, a Job object, an API call). A few, at fixed times.
  struct arrival {
    double at_s;
    const char* id;
    const char* model;
    std::int64_t batch;
    std::int64_t iterations;
    const char* type;
    int gpus;
  };
  const std::vector<arrival> arrivals = {{0, "bert-a", "bert__760M", 128, 2000, "a100", 4},
                                         {0, "moe-b", "moe__690M", 256, 3000, "a40", 2},
                                         {300, "wrn-c", "wide_resnet__500M", 256, 1500, "a100", 4},
                                         {600, "moe-d", "moe__1.3B", 512, 800, "a40", 4}};

  const double round_s = 300.0;
  for (int round = 0; round < 40; ++round) {
    const double now = round * round_s;  // HOST: the host's clock, never the policy's
    std::vector<event> events;

    // HOST: collect progress from running jobs (heartbeats, metrics endpoints). Here: iterations done
    // at the oracle's speed over the last round; finished jobs release their GPUs.
    for (auto& [id, j] : jobs) {
      if (j.state != job_state::running) continue;
      const perf_answer p = oracle.query(j.spec, j.alloc->gpu_type, j.alloc->layout);
      j.done_iterations += static_cast<std::int64_t>(round_s / p.iter_time_s);
      if (j.done_iterations < j.spec.iterations) continue;
      for (gpu_id g : j.alloc->gpus) {
        const node_id n = topology.node_of(g);
        nodes[static_cast<std::size_t>(n)].busy[static_cast<std::size_t>(g - topology.node_at(n).first_gpu)] = false;
      }
      j.alloc.reset();
      j.state = job_state::finished;
      events.push_back({event_kind::departure, id, -1});
      std::printf("t=%6.0f  %-6s finished\n", now, id.c_str());
    }
    for (const auto& a : arrivals) {
      if (a.at_s != now) continue;
      host_job j;
      j.spec.id = a.id;
      j.spec.model = a.model;
      j.spec.global_batch = a.batch;
      j.spec.iterations = a.iterations;
      j.spec.submit_time_s = now;
      j.spec.requested_gpu_type = a.type;
      j.spec.requested_gpus = a.gpus;
      jobs[a.id] = j;
      order.push_back(a.id);
      events.push_back({event_kind::arrival, a.id, -1});
    }

    // Build the snapshot from the host's records.
    snapshot<reference_perf_table> snap;
    snap.now_s = now;
    snap.topology = &topology;
    snap.oracle = &oracle;
    snap.events = events;
    for (std::size_t n = 0; n < nodes.size(); ++n)
      snap.nodes.push_back({static_cast<node_id>(n), nodes[n].up, nodes[n].busy});
    for (const auto& id : order) {
      const host_job& j = jobs.at(id);
      if (j.state != job_state::pending && j.state != job_state::running) continue;
      job_status s;
      s.spec = &j.spec;
      s.state = j.state;
      s.alloc = j.alloc;
      s.remaining_iterations = j.spec.iterations - j.done_iterations;
      s.queued_s = j.queued_s;
      snap.jobs.push_back(s);
    }

    const decision d = policy.decide(snap);

    // HOST: apply the decision. Preempt first (checkpoint and stop the processes: scancel, delete the
    // pods), then start or move jobs on exactly the GPUs named (launch with CUDA_VISIBLE_DEVICES per
    // node, torchrun/Megatron arguments from the chosen plan when the oracle provides one).
    const auto release = [&](host_job& j) {
      if (!j.alloc) return;
      for (gpu_id g : j.alloc->gpus) {
        const node_id n = topology.node_of(g);
        nodes[static_cast<std::size_t>(n)].busy[static_cast<std::size_t>(g - topology.node_at(n).first_gpu)] = false;
      }
      j.alloc.reset();
    };
    for (const auto& id : d.preempt) {
      host_job& j = jobs.at(id);
      release(j);
      j.state = job_state::pending;
      std::printf("t=%6.0f  %-6s preempted (resumes from iteration %lld)\n", now, id.c_str(),
                  static_cast<long long>(j.done_iterations));
    }
    for (const auto& p : d.run) {
      host_job& j = jobs.at(p.job_id);
      release(j);
      j.alloc = p.alloc;
      j.state = job_state::running;
      for (gpu_id g : p.alloc.gpus) {
        const node_id n = topology.node_of(g);
        nodes[static_cast<std::size_t>(n)].busy[static_cast<std::size_t>(g - topology.node_at(n).first_gpu)] = true;
      }
      std::string gpus;
      for (gpu_id g : p.alloc.gpus) gpus += std::to_string(g) + " ";
      std::printf("t=%6.0f  %-6s runs on %zu x %s: GPUs %s%s\n", now, p.job_id.c_str(), p.alloc.gpus.size(),
                  p.alloc.gpu_type.c_str(), gpus.c_str(), p.opportunistic ? "(opportunistic)" : "");
    }
    for (const auto& x : d.dropped) {
      jobs.at(x.job_id).state = job_state::dropped;
      std::printf("t=%6.0f  %-6s dropped: %s\n", now, x.job_id.c_str(), x.reason.c_str());
    }
    for (auto& [id, j] : jobs)
      if (j.state == job_state::pending) j.queued_s += round_s;

    const bool all_done = std::all_of(jobs.begin(), jobs.end(), [](const auto& kv) {
      return kv.second.state == job_state::finished || kv.second.state == job_state::dropped;
    });
    if (all_done && now >= arrivals.back().at_s) break;
  }
  return 0;
}
