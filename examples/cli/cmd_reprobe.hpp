#pragma once
// cellsched reprobe: what changed between two descriptions of a cluster (and its probe profiles), which
// GPU types' learnt estimates are stale, and the `cellsched probe` command lines to measure them again
// (docs/closed-loop.md, "Hardware changes and re-probe plans").
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/adapt/hardware_change.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/json_reader.hpp>
#include <cellsched/io/observation_io.hpp>
#include <cellsched/io/profile_json.hpp>

#include "args.hpp"
#include "simulate_detail.hpp"

namespace cellsched::cli {

inline const char* reprobe_help =
    "usage: cellsched reprobe --cluster NEW.json --previous OLD.json [options]\n"
    "\n"
    "Compares two descriptions of a cluster per GPU type (types added or removed, nodes added or removed,\n"
    "node size, link bandwidths, catalog entries and, with --profiles/--previous-profiles, re-measured probe\n"
    "profiles), marks the changed types stale in a saved online state, and prints a re-probe plan: the\n"
    "'cellsched probe' command lines to run, per changed type or type with drift alarms in the state.\n"
    "\n"
    "options:\n"
    "  --cluster FILE              the cluster as it is now\n"
    "  --previous FILE             the cluster as it was\n"
    "  --profiles DIR              probe profiles now (one per GPU type, docs/formats/profile.md)\n"
    "  --previous-profiles DIR     probe profiles before\n"
    "  --online-state FILE         what the online estimates learnt (saved by 'cellsched decide'):\n"
    "                              its Cells pick the targeted probes, its drift alarms add types\n"
    "  --save-online-state OUT     the online state with the changed types marked stale\n"
    "  --json OUT                  the changes and the plan as JSON (- for standard output)\n"
    "\n"
    "Exit status: 0 (whether or not anything changed); 2 bad input.\n";

inline int run_reprobe(const std::vector<std::string>& argv) {
  using namespace simulate_detail;
  const args a(argv,
               {"--cluster", "--previous", "--profiles", "--previous-profiles", "--online-state", "--save-online-state",
                "--json"},
               {"--help"});
  if (a.has("--help")) {
    std::cout << reprobe_help;
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");
  if (!a.has("--cluster") || !a.has("--previous")) throw usage_error("--cluster and --previous are required");
  if (a.has("--profiles") != a.has("--previous-profiles"))
    throw usage_error("--profiles and --previous-profiles go together");
  for (const char* o : {"--save-online-state", "--json"})
    if (a.has(o) && a.get(o) != "-") check_writable(a.get(o), o);
  const cluster now = io::load_cluster_file(a.get("--cluster"));
  const cluster before = io::load_cluster_file(a.get("--previous"));
  std::map<std::string, std::string> fp_now, fp_before;
  const auto fingerprints = [](const std::string& dir, const cluster& c) {
    std::map<std::string, std::string> out;
    for (const auto& [type, p] : io::find_profiles(dir, &c.catalog()))
      out[type] = p.date + ", driver " + p.driver_version + ", CUDA " + p.cuda_version + ", " + p.mode;
    return out;
  };
  if (a.has("--profiles")) {
    fp_now = fingerprints(a.get("--profiles"), now);
    fp_before = fingerprints(a.get("--previous-profiles"), before);
  }
  const std::vector<hardware_change> changes = compare_clusters(before, now, fp_before, fp_now);
  online_state state;
  if (a.has("--online-state")) {
    const std::string p = a.get("--online-state");
    state = io::parse_online_state(io::parse_json_text(io::read_text_file(p), p), p);
  }
  for (const auto& c : changes) mark_stale(state, c.gpu_type);
  const std::vector<reprobe_step> plan = reprobe_plan(now, changes, state.alarms, observed_cells(state));

  nlohmann::json doc = {{"kind", "reprobe_plan"}, {"cluster", now.name()}, {"previous", before.name()}};
  doc["changes"] = nlohmann::json::array();
  for (const auto& c : changes) doc["changes"].push_back({{"gpu_type", c.gpu_type}, {"what", c.what}});
  doc["stale_gpu_types"] = state.stale_types;
  doc["plan"] = nlohmann::json::array();
  for (const auto& s : plan) doc["plan"].push_back({{"gpu_type", s.gpu_type}, {"why", s.why}, {"commands", s.commands}});
  if (a.has("--json") && a.get("--json") == "-") {
    std::cout << doc.dump(2) << "\n";
  } else {
    if (changes.empty()) std::cout << "no hardware change between " << a.get("--previous") << " and " << a.get("--cluster") << "\n";
    for (const auto& c : changes) std::cout << "changed: " << c.gpu_type << ": " << c.what << "\n";
    for (const auto& s : plan) {
      std::cout << "\nre-probe " << s.gpu_type << " (" << s.why << "):\n";
      for (const auto& c : s.commands) std::cout << "  " << c << "\n";
    }
    if (a.has("--json")) write_text(a.get("--json"), doc.dump(2) + "\n");
  }
  if (a.has("--save-online-state")) write_text(a.get("--save-online-state"), io::to_json(state).dump(2) + "\n");
  return 0;
}

}  // namespace cellsched::cli
