// Crius decision time per round on a 10,000-GPU heterogeneous cluster with 100, 1,000 and 5,000 active
// jobs (single thread). Jobs are drawn in turn from the bundled Philly trace (model, batch, requested
// type and count) with the reference profile table as oracle. After the cluster is filled, every
// measured round finishes 1% of the running jobs (the oldest) and submits as many new ones, so the
// policy runs its departure and arrival passes; the wall time of decide() is recorded.
//
// usage: policy_decision_time [--rounds N] [--sizes 100,1000,5000] [--out FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/state.hpp>
#include <cellsched/sim/metrics.hpp>

using namespace cellsched;

namespace {

struct size_result {
  int active = 0;
  std::size_t running = 0;
  std::size_t pending = 0;
  int busy_gpus = 0;
  std::vector<double> ms;
};

size_result measure(const cluster& c, const reference_perf_table& table, const std::vector<job>& templates, int active,
                    int rounds) {
  scheduler_state state(c);
  crius_policy policy;
  double now = 0.0;
  std::size_t next = 0;
  std::vector<std::string> order;
  const auto submit = [&](std::vector<event>& ev) {
    job j = templates[next % templates.size()];
    j.id = "job" + std::to_string(next++);
    j.submit_time_s = now;
    j.deadline_s.reset();
    ev.push_back({event_kind::arrival, j.id, -1});
    order.push_back(j.id);
    state.submit(std::move(j));
  };
  const auto round = [&](std::vector<event> ev, std::vector<double>* ms) {
    const auto snap = state.make_snapshot(now, table, cost_options{}, std::move(ev));
    const auto t0 = std::chrono::steady_clock::now();
    const decision d = policy.decide(snap);
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (ms) ms->push_back(dt);
    state.apply(d);
    now += 300.0;
  };
  // Fill: 100 submissions per round until `active` jobs are in the system.
  while (static_cast<int>(next) < active) {
    std::vector<event> ev;
    for (int k = 0; k < 100 && static_cast<int>(next) < active; ++k) submit(ev);
    round(std::move(ev), nullptr);
  }
  size_result r;
  r.active = active;
  const int churn = std::max(1, active / 100);
  for (int m = 0; m < rounds; ++m) {
    std::vector<event> ev;
    int finished = 0;
    for (const auto& id : order) {
      if (finished >= churn) break;
      const job_record* rec = state.find(id);
      if (rec->state != job_state::running) continue;
      state.finish(id, now);
      ev.push_back({event_kind::departure, id, -1});
      ++finished;
    }
    for (int k = 0; k < finished; ++k) submit(ev);
    round(std::move(ev), &r.ms);
  }
  r.running = state.count(job_state::running);
  r.pending = state.count(job_state::pending);
  r.busy_gpus = state.busy_gpus();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  std::vector<int> sizes = {100, 1000, 5000};
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/policy_decision_time.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rounds")
      rounds = std::max(1, std::atoi(v.c_str()));
    else if (k == "--out")
      out = v;
    else if (k == "--sizes") {
      sizes.clear();
      for (std::size_t p = 0; p < v.size();) {
        const std::size_t c = v.find(',', p);
        sizes.push_back(std::atoi(v.substr(p, c - p).c_str()));
        p = c == std::string::npos ? v.size() : c + 1;
      }
    } else {
      std::fprintf(stderr, "usage: policy_decision_time [--rounds N] [--sizes 100,1000,5000] [--out FILE]\n");
      return 2;
    }
  }
  try {
    const hardware_catalog& catalog = builtin_catalog();
    cluster c("hetero-10k", catalog);
    c.add_nodes("a100-40gb", 640, 4);
    c.add_nodes("v100-32gb", 160, 16);
    c.add_nodes("a40", 1240, 2);
    c.add_nodes("a10", 1200, 2);
    reference_perf_table table =
        io::load_reference_table(std::string(CELLSCHED_DATA_DIR) + "/perf/arena-profile-db.json", catalog);
    table.bind_cluster(c);
    io::trace_options topts;
    topts.iteration_divisor = 5;
    const std::vector<job> templates =
        io::load_trace_file(std::string(CELLSCHED_DATA_DIR) + "/traces/philly.csv", topts);

    std::printf(
        "Crius decision time per round, %d GPUs (A100 x4 nodes, V100 x16, A40 x2, A10 x2), %d measured rounds\n\n",
        c.total_gpus(), rounds);
    std::printf("%8s %8s %8s %9s %10s %10s %10s\n", "active", "running", "pending", "busy GPUs", "median ms", "p90 ms",
                "max ms");
    nlohmann::json doc = {{"bench", "policy_decision_time"},
                          {"policy", "crius"},
                          {"cluster_gpus", c.total_gpus()},
                          {"measured_rounds", rounds},
                          {"results", nlohmann::json::array()}};
    for (int n : sizes) {
      const size_result r = measure(c, table, templates, n, rounds);
      const double med = sim::percentile(r.ms, 50), p90 = sim::percentile(r.ms, 90);
      const double mx = r.ms.empty() ? 0.0 : *std::max_element(r.ms.begin(), r.ms.end());
      std::printf("%8d %8zu %8zu %9d %10.2f %10.2f %10.2f\n", n, r.running, r.pending, r.busy_gpus, med, p90, mx);
      doc["results"].push_back({{"active_jobs", n},
                                {"running", r.running},
                                {"pending", r.pending},
                                {"busy_gpus", r.busy_gpus},
                                {"median_ms", med},
                                {"p90_ms", p90},
                                {"max_ms", mx},
                                {"round_ms", r.ms}});
    }
    std::ofstream(out) << doc.dump(2) << "\n";
    std::printf("\nwritten %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "policy_decision_time: %s\n", e.what());
    return 1;
  }
  return 0;
}
