// Hardware changes between two cluster descriptions, stale Cells and the re-probe plan (library and
// `cellsched reprobe`).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include <cellsched/adapt/hardware_change.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>

#include "../support/cli_run.hpp"

using namespace cellsched;

namespace {
cluster make(int a100_nodes, int h100_nodes, int h100_per_node = 8) {
  cluster c("c", builtin_catalog());
  c.add_nodes("a100-40gb", a100_nodes, 8);
  if (h100_nodes > 0) c.add_nodes("h100-sxm", h100_nodes, h100_per_node);
  return c;
}
}  // namespace

TEST_CASE("hardware change: types, nodes, node sizes and profiles compared per type", "[adapt][hardware]") {
  CHECK(compare_clusters(make(4, 2), make(4, 2)).empty());
  auto ch = compare_clusters(make(4, 0), make(6, 2));
  REQUIRE(ch.size() == 2);
  CHECK(ch[0].gpu_type == "a100-40gb");
  CHECK(ch[0].what == "nodes 4 -> 6");
  CHECK(ch[1].gpu_type == "h100-sxm");
  CHECK(ch[1].what == "new GPU type (2 nodes)");
  ch = compare_clusters(make(4, 2, 8), make(4, 4, 4));
  REQUIRE(ch.size() == 2);
  CHECK(ch[0].what == "nodes 2 -> 4");
  CHECK(ch[1].what == "GPUs per node 8 -> 4");
  ch = compare_clusters(make(4, 2), make(4, 0));
  REQUIRE(ch.size() == 1);
  CHECK(ch[0].what == "no longer in the cluster");
  ch = compare_clusters(make(4, 2), make(4, 2), {{"a100-40gb", "2026-01-01"}}, {{"a100-40gb", "2026-06-01"}, {"h100-sxm", "x"}});
  REQUIRE(ch.size() == 2);
  CHECK(ch[0].what == "probe profile re-measured (2026-01-01 -> 2026-06-01)");
  CHECK(ch[1].what == "probe profile added (x)");
}

TEST_CASE("hardware change: stale Cells and a re-probe plan from changes, alarms and observed Cells",
          "[adapt][hardware]") {
  online_state s;
  s.cells.push_back({{"gpt3-1.3b", 64, "a100-40gb", {8, 8}}, {1.0, 1.1}, 12, 1.0, 10.0, false});
  s.cells.push_back({{"bert__1.3B", 64, "a100-40gb", {8}}, {0.5}, 3, 0.5, 10.0, false});
  s.cells.push_back({{"bert__1.3B", 64, "h100-sxm", {8}}, {0.2}, 5, 0.2, 10.0, false});
  mark_stale(s, "a100-40gb");
  CHECK(s.cells[0].times_s.empty());
  CHECK(s.cells[0].total == 12);
  CHECK(s.cells[2].times_s.size() == 1);
  CHECK(s.stale_types == std::vector<std::string>{"a100-40gb"});
  mark_stale(s, "a100-40gb");
  CHECK(s.stale_types.size() == 1);

  const cluster now = make(6, 2);
  drift_alarm al;
  al.scope = "type";
  al.gpu_type = "h100-sxm";
  al.reason = "Cells of h100-sxm run 30 % slower than learnt (job j7)";
  const auto plan = reprobe_plan(now, compare_clusters(make(4, 2), now), {al}, observed_cells(s));
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].gpu_type == "a100-40gb");
  CHECK(plan[0].why == "nodes 4 -> 6");
  REQUIRE(plan[0].commands.size() == 4);  // profile, two-node sweep, two targeted Cells (most observed first)
  CHECK(plan[0].commands[0].rfind("cellsched probe --quick --gpu-type a100-40gb", 0) == 0);
  CHECK(plan[0].commands[1].rfind("mpirun -np 16 --map-by ppr:8:node", 0) == 0);
  CHECK(plan[0].commands[2].find("--cell --model gpt3-1.3b --gpu-type a100-40gb") != std::string::npos);
  CHECK(plan[0].commands[2].find("16 a100-40gb GPUs (12 observations)") != std::string::npos);
  CHECK(plan[0].commands[3].find("--cell --model bert__1.3B") != std::string::npos);
  CHECK(plan[1].gpu_type == "h100-sxm");
  CHECK(plan[1].why.rfind("drift: Cells of h100-sxm run 30 % slower", 0) == 0);
}

TEST_CASE("reprobe: the command line prints the changes and the plan, and marks the state stale",
          "[adapt][hardware][cli]") {
  const auto dir = cellsched::test::unique_temp_path("reprobe_cli");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "old.json") << R"({"kind": "cluster", "name": "c", "node_groups": [
    {"gpu_type": "a100-40gb", "num_nodes": 2, "gpus_per_node": 8}]})";
  std::ofstream(dir / "new.json") << R"({"kind": "cluster", "name": "c", "node_groups": [
    {"gpu_type": "a100-40gb", "num_nodes": 2, "gpus_per_node": 8},
    {"gpu_type": "h100", "num_nodes": 1, "gpus_per_node": 8}]})";
  std::ofstream(dir / "online.json") << R"({"kind": "online_state", "cells": [
    {"model": "gpt3-1.3b", "global_batch": 64, "gpu_type": "a100-40gb", "layout": [8], "times_s": [1.0],
     "observations": 1, "predicted_s": 1.0, "last_time_s": 0, "failed": false}], "stale_gpu_types": [], "alarms": []})";
  const auto r = cellsched::test::run_cli("reprobe --cluster " + (dir / "new.json").string() + " --previous " +
                                              (dir / "old.json").string() + " --online-state " +
                                              (dir / "online.json").string() + " --save-online-state " +
                                              (dir / "after.json").string(),
                                          dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("changed: h100-sxm: new GPU type (1 nodes)") != std::string::npos);
  CHECK(r.out.find("cellsched probe --quick --gpu-type h100-sxm") != std::string::npos);
  const auto after = nlohmann::json::parse(cellsched::test::slurp(dir / "after.json"));
  CHECK(after["stale_gpu_types"] == nlohmann::json::array({"h100-sxm"}));
  const auto bad = cellsched::test::run_cli("reprobe --cluster " + (dir / "new.json").string(), dir);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--cluster and --previous are required") != std::string::npos);
  std::filesystem::remove_all(dir);
}
