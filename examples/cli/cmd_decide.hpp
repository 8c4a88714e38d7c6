#pragma once
// cellsched decide: one decision on a saved scheduler state, without acting (docs/closed-loop.md, "Beside
// a host scheduler"). A Slurm or Kubernetes controller saves its state (docs/formats/state.md), calls this,
// reads the decision from JSON and applies it, or only logs it (shadow mode on a real cluster).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/adapt/online_oracle.hpp>
#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/json_reader.hpp>
#include <cellsched/io/observation_io.hpp>
#include <cellsched/io/snapshot_json.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/io/state_json.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/schedule/decision_compare.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/search/plan_text.hpp>
#include <cellsched/sim/covering_oracle.hpp>
#include <cellsched/sim/default_policies.hpp>

#include "args.hpp"
#include "simulate_detail.hpp"

namespace cellsched::cli {

namespace decide_detail {

inline const char* decide_help =
    "usage: cellsched decide --state STATE.json --json OUT [options]\n"
    "\n"
    "Makes one scheduling decision on a saved scheduler state and writes it as JSON without acting (the\n"
    "decision document of the library (io/snapshot_json.hpp), each placement with its plan\n"
    "and predicted iteration time): the\n"
    "file-level integration for a host scheduler (docs/closed-loop.md). The decision is checked against\n"
    "the state (no GPU double-booked, every job known); problems are listed and exit status is 1.\n"
    "\n"
    "options:\n"
    "  --state FILE            the scheduler state (docs/formats/state.md), saved on --cluster\n"
    "  --json OUT              where the decision goes (- for standard output)\n"
    "  --cluster FILE          the cluster the state was saved on (default: data/clusters/arena-1280.json)\n"
    "  --policy NAME           the policy (default crius; 'cellsched simulate --help' lists them)\n"
    "  --policy-state FILE     what the policy carried from its previous call (saved by\n"
    "                          --save-policy-state); default: a fresh policy\n"
    "  --save-policy-state OUT  write what the policy carries to its next call\n"
    "  --observations FILE     iteration times measured by running jobs (JSON or CSV,\n"
    "                          docs/formats/observations.md): the policy decides with our estimates\n"
    "                          corrected by them (online adaptation)\n"
    "  --online-state FILE     what earlier calls learnt (saved by --save-online-state)\n"
    "  --save-online-state OUT  write what was learnt, observations included\n"
    "  --oracle auto|table|estimator  where iteration times come from (default auto, as in simulate)\n"
    "  --perf-table FILE       the reference profile table (default: data/perf/arena-profile-db.json)\n"
    "  --models LIST           model files or folders for models beyond the built-in zoo\n"
    "  --now SECONDS           the time of the decision (default: the latest submission in the state)\n"
    "  --seed N                the snapshot's seed (default 0)\n"
    "  --save-state OUT        also write the state as it is after applying the decision\n"
    "\n"
    "Exit status: 0 a valid decision; 1 the policy's decision cannot be applied to the state; 2 bad input.\n";

}  // namespace decide_detail

inline int run_decide(const std::vector<std::string>& argv) {
  using namespace decide_detail;
  using namespace simulate_detail;
  const args a(argv,
               {"--state", "--json", "--cluster", "--policy", "--policy-state", "--save-policy-state", "--observations",
                "--online-state", "--save-online-state", "--oracle", "--perf-table", "--models", "--now", "--seed",
                "--save-state"},
               {"--help"});
  if (a.has("--help")) {
    std::cout << decide_help;
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");
  if (!a.has("--state")) throw usage_error("--state FILE is required");
  if (!a.has("--json")) throw usage_error("--json OUT is required");
  const std::string data = CELLSCHED_DEFAULT_DATA_DIR;
  const std::string oracle_kind = a.get("--oracle", "auto");
  if (oracle_kind != "auto" && oracle_kind != "table" && oracle_kind != "estimator")
    throw usage_error("--oracle must be auto, table or estimator, got '" + oracle_kind + "'");
  const std::string out_path = a.get("--json");
  for (const char* o : {"--json", "--save-policy-state", "--save-online-state", "--save-state"})
    if (a.has(o) && !(std::string(o) == "--json" && out_path == "-")) check_writable(a.get(o), o);

  const cluster topology = io::load_cluster_file(a.get("--cluster", data + "/clusters/arena-1280.json"));
  model_zoo zoo = builtin_model_zoo();
  if (a.has("--models"))
    for (const auto& path : split_list(a.get("--models"))) add_models(zoo, path, "--models");
  const std::string state_path = a.get("--state");
  scheduler_state state = io::parse_scheduler_state(io::read_text_file(state_path), topology, state_path);
  std::vector<job> jobs;
  double latest = 0.0;
  for (const auto& r : state.jobs()) {
    jobs.push_back(r.spec);
    latest = std::max(latest, r.spec.submit_time_s);
    if (!zoo.contains(r.spec.model))
      throw input_error(state_path, "jobs[].spec.model",
                        "a model of the built-in zoo or of a --models file; job '" + r.spec.id + "' names \"" +
                            r.spec.model + "\"");
  }
  const double now = a.get_double("--now", latest, 0.0, 9e15);
  const auto seed = static_cast<std::uint64_t>(a.get_int("--seed", 0, 0, 1'000'000'000'000LL));

  const auto registry = sim::default_policy_registry<any_oracle>();
  const std::string policy_name = a.get("--policy", "crius");
  const auto* entry = registry.find(policy_name);
  if (!entry) throw usage_error("unknown policy '" + policy_name + "'");
  if (!entry->available) throw usage_error("policy '" + policy_name + "' is " + entry->unavailable_reason);
  auto pol = entry->make();
  if (a.has("--policy-state")) {
    const std::string p = a.get("--policy-state");
    pol.load_state(io::parse_json_text(io::read_text_file(p), p), topology);
  }

  best_plan_table<analytic_estimator> est(analytic_estimator(topology.catalog()), topology);
  est.set_resolver([&zoo](const std::string& name) -> std::optional<model> {
    if (!zoo.contains(name)) return std::nullopt;
    return zoo.build(name);
  });
  std::optional<reference_perf_table> table;
  if (oracle_kind != "estimator") {
    table = io::load_reference_table(a.get("--perf-table", data + "/perf/arena-profile-db.json"), topology.catalog());
    table->bind_cluster(topology);
  }
  using chained_oracle = sim::covering_oracle<reference_perf_table, best_plan_table<analytic_estimator>>;
  std::optional<chained_oracle> chained;
  if (oracle_kind == "auto") {
    const auto covered = sim::coverage_of(*table, topology, jobs).covered;
    chained.emplace(*table, est, [covered](const job& j) { return covered.count({j.model, j.global_batch}) > 0; });
  }
  const any_oracle base = oracle_kind == "estimator" ? any_oracle(est)
                          : oracle_kind == "table"   ? any_oracle(*table)
                                                     : any_oracle(*chained);
  online_oracle<any_oracle> online(base);
  const bool adapt = a.has("--observations") || a.has("--online-state");
  if (a.has("--online-state")) {
    const std::string p = a.get("--online-state");
    online.restore(io::parse_online_state(io::parse_json_text(io::read_text_file(p), p), p));
  }
  std::size_t observed = 0;
  std::vector<drift_alarm> alarms;
  if (a.has("--observations"))
    for (const auto& o : io::load_observations_file(a.get("--observations"), &topology.catalog())) {
      for (auto& al : online.observe(o)) alarms.push_back(std::move(al));
      ++observed;
    }
  const any_oracle belief = adapt ? any_oracle(online) : base;

  const snapshot<any_oracle> snap = state.make_snapshot(now, belief, entry->costs, {}, seed);
  const auto t0 = std::chrono::steady_clock::now();
  const decision d = pol.decide(snap);
  const double decide_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::vector<std::string> problems = state.validate(d);

  // The decision in the library's form (io/snapshot_json.hpp, as the Python package reads it), each
  // placement with what the host may want to log beside it.
  nlohmann::json dec = io::to_json(d);
  for (std::size_t i = 0; i < d.run.size(); ++i) {
    const placement& p = d.run[i];
    nlohmann::json& j = dec["run"][i];
    j["num_gpus"] = p.alloc.num_gpus();
    if (p.chosen_plan) j["plan_text"] = plan_summary(*p.chosen_plan);
    if (const job_record* r = state.find(p.job_id)) {
      const online_answer ans = online.explain(r->spec, p.alloc.gpu_type, p.alloc.layout);
      j["was_running"] = r->state == job_state::running;
      if (ans.answer.feasible) j["predicted_iter_time_s"] = ans.answer.iter_time_s;
      j["prediction_source"] = adapt ? to_string(ans.source) : "predicted";
      if (adapt) j["prediction_confidence"] = ans.confidence;
    }
  }
  const decision keep_all{};  // the host doing nothing: every running job keeps its GPUs
  const decision_comparison vs_now = compare_decisions(snap, keep_all, d);
  nlohmann::json alarm_list = nlohmann::json::array();
  for (const auto& al : alarms)
    alarm_list.push_back({{"scope", al.scope}, {"key", al.key}, {"gpu_type", al.gpu_type}, {"reason", al.reason}});
  nlohmann::json doc = {{"kind", "decision"},
                        {"policy", pol.name()},
                        {"state", state_path},
                        {"cluster", topology.name()},
                        {"now_s", now},
                        {"jobs", snap.jobs.size()},
                        {"run", std::move(dec["run"])},
                        {"preempt", std::move(dec["preempt"])},
                        {"dropped", std::move(dec["dropped"])},
                        {"valid", problems.empty()},
                        {"problems", problems},
                        {"decide_s", decide_s},
                        {"predicted_samples_per_s", {{"before", vs_now.first_samples_per_s},
                                                     {"after", vs_now.second_samples_per_s}}},
                        {"starts", vs_now.starts},
                        {"moves", vs_now.moves},
                        {"preemptions", vs_now.preemptions},
                        {"observations", observed},
                        {"alarms", std::move(alarm_list)}};
  const std::string text = doc.dump(2) + "\n";
  if (out_path == "-")
    std::cout << text;
  else
    write_text(out_path, text);
  if (a.has("--save-policy-state")) write_text(a.get("--save-policy-state"), pol.save_state().dump() + "\n");
  if (a.has("--save-online-state")) write_text(a.get("--save-online-state"), io::to_json(online.state()).dump(2) + "\n");
  if (a.has("--save-state") && problems.empty()) {
    (void)state.apply(d);
    write_text(a.get("--save-state"), io::to_json(state).dump() + "\n");
  }
  if (out_path != "-")
    std::cerr << "decide: " << pol.name() << " on " << snap.jobs.size() << " jobs: " << d.run.size() << " placed ("
              << vs_now.starts << " starts, " << vs_now.moves << " moves), " << vs_now.preemptions << " preempted, "
              << d.dropped.size() << " dropped in " << decide_s * 1e3 << " ms"
              << (problems.empty() ? "" : "; the decision cannot be applied: " + problems.front()) << "\n";
  for (const auto& pr : problems) std::cerr << "decide: problem: " << pr << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace cellsched::cli
