// `cellsched decide` on a saved 1,000-job state: how long a host waits for one decision through files.
// A state is built on the bundled 1,280-GPU cluster from the first N jobs of the bundled Philly trace
// (requested type and count): FCFS places what it can, the rest wait; it is saved as JSON. Then, each
// repeated R times:
//  * in process: read the state file, parse it, and let Crius decide on it with the reference table
//    (a fresh policy each time, as a stateless `decide` call has);
//  * in process, the next round: Crius loads the state it saved after the first decision (what a host
//    passes with --policy-state every round) and decides again on the state with that decision applied
//    and 1 % of the jobs new;
//  * the command line: `cellsched decide --state FILE --json OUT --oracle table` (with --cli PATH,
//    default the build's bin/cellsched when it exists), whole process included.
// Prints the median and worst of each and writes JSON.
//
// usage: decide_time [--jobs N] [--repeat R] [--cli PATH] [--out FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/json_reader.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/io/state_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/baselines/fcfs.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/state.hpp>

using namespace cellsched;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t jobs = 1000;
  int repeat = 5;
  std::string cli = std::string(CELLSCHED_BENCH_OUT_DIR) + "/bin/cellsched";
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/decide_time.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--jobs") jobs = static_cast<std::size_t>(std::stoul(v));
    else if (k == "--repeat") repeat = std::max(1, std::stoi(v));
    else if (k == "--cli") cli = v;
    else if (k == "--out") out = v;
    else {
      std::fprintf(stderr, "usage: decide_time [--jobs N] [--repeat R] [--cli PATH] [--out FILE]\n");
      return 2;
    }
  }
  const std::string data = CELLSCHED_DATA_DIR;
  const std::string cluster_path = data + "/clusters/arena-1280.json";
  const cluster c = io::load_cluster_file(cluster_path);
  reference_perf_table table = io::load_reference_table(data + "/perf/arena-profile-db.json", c.catalog());
  table.bind_cluster(c);
  std::vector<job> trace = io::load_trace_file(data + "/traces/philly.csv");
  if (trace.size() > jobs) trace.resize(jobs);

  // The state: every job submitted at once; FCFS places what fits at its requested type and count.
  scheduler_state st(c);
  std::vector<event> arrivals;
  for (auto& j : trace) {
    j.submit_time_s = 0.0;
    arrivals.push_back({event_kind::arrival, j.id, -1});
    st.submit(j);
  }
  fcfs_policy fcfs;
  (void)st.apply(fcfs.decide(st.make_snapshot(0.0, table, unguided_tuning_costs(), arrivals)));
  const auto tmp = std::filesystem::temp_directory_path() / ("decide_time_" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  const std::string state_path = (tmp / "state.json").string();
  std::ofstream(state_path) << io::to_json(st).dump() << "\n";
  const auto state_bytes = std::filesystem::file_size(state_path);
  std::printf("state: %zu jobs (%zu running on %d of %d GPUs, %zu pending), %ju bytes of JSON\n", trace.size(),
              st.count(job_state::running), st.busy_gpus(), c.total_gpus(), st.count(job_state::pending),
              static_cast<std::uintmax_t>(state_bytes));

  std::vector<double> parse_ms, decide_ms, total_ms;
  std::size_t placed = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const scheduler_state loaded = io::parse_scheduler_state(io::read_text_file(state_path), c, state_path);
    const auto t1 = std::chrono::steady_clock::now();
    crius_policy crius;
    const decision d = crius.decide(loaded.make_snapshot(0.0, table, guided_tuning_costs(), {}));
    const auto t2 = std::chrono::steady_clock::now();
    placed = d.run.size();
    parse_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    decide_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    total_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
  }
  // The next round, as a controller runs it: the policy's saved state, the previous decision applied, new jobs.
  std::vector<double> next_ms;
  {
    crius_policy first;
    scheduler_state cur = io::parse_scheduler_state(io::read_text_file(state_path), c, state_path);
    (void)cur.apply(first.decide(cur.make_snapshot(0.0, table, guided_tuning_costs(), {})));
    const std::string saved = first.save_state().dump();
    const std::vector<job> all = io::load_trace_file(data + "/traces/philly.csv");
    std::vector<event> fresh;
    for (std::size_t k = jobs; k < all.size() && fresh.size() < std::max<std::size_t>(1, jobs / 100); ++k) {
      job j = all[k];
      j.submit_time_s = 300.0;
      fresh.push_back({event_kind::arrival, j.id, -1});
      cur.submit(std::move(j));
    }
    for (int r = 0; r < repeat; ++r) {
      crius_policy next;
      const auto t0 = std::chrono::steady_clock::now();
      next.load_state(io::parse_json_text(saved, "saved"), c);
      (void)next.decide(cur.make_snapshot(300.0, table, guided_tuning_costs(), fresh));
      next_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::printf("in process: read + parse %.1f ms, Crius decide %.1f ms, total %.1f ms (median of %d; worst %.1f ms); "
              "%zu placements\n",
              median(parse_ms), median(decide_ms), median(total_ms), repeat,
              *std::max_element(total_ms.begin(), total_ms.end()), placed);

  std::printf("in process, the next round (policy state loaded, %zu new jobs): %.1f ms median, worst %.1f ms\n",
              std::max<std::size_t>(1, jobs / 100), median(next_ms), *std::max_element(next_ms.begin(), next_ms.end()));
  nlohmann::json doc = {{"benchmark", "decide_time"},
                        {"next_round_ms", next_ms},
                        {"jobs", trace.size()},
                        {"running", st.count(job_state::running)},
                        {"pending", st.count(job_state::pending)},
                        {"state_bytes", state_bytes},
                        {"repeat", repeat},
                        {"in_process_parse_ms", parse_ms},
                        {"in_process_decide_ms", decide_ms},
                        {"in_process_total_ms", total_ms},
                        {"placements", placed}};
  if (std::filesystem::exists(cli)) {
    std::vector<double> cli_ms;
    const std::string cmd = cli + " decide --cluster " + cluster_path + " --state " + state_path +
                            " --oracle table --json " + (tmp / "decision.json").string() + " 2>/dev/null";
    int status = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      status = std::system(cmd.c_str());
      cli_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("cellsched decide (whole process, --oracle table): %.1f ms median of %d, worst %.1f ms (status %d)\n",
                median(cli_ms), repeat, *std::max_element(cli_ms.begin(), cli_ms.end()), status);
    doc["cli"] = cli;
    doc["cli_ms"] = cli_ms;
    doc["cli_status"] = status;
  } else {
    std::printf("cellsched decide: %s not found (--cli PATH), not measured\n", cli.c_str());
  }
  std::filesystem::remove_all(tmp);
  std::ofstream(out) << doc.dump(2) << "\n";
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
