// Reports: the table, JSON and CSV carry every metric; the SVG plots draw one line per policy.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/svg_plots.hpp>

using namespace cellsched::sim;

namespace {
sim_run make_run(const std::string& name, std::vector<double> jcts, std::vector<double> thr) {
  sim_run r;
  r.policy = name;
  r.total_gpus = 8;
  r.finished_jct_s = std::move(jcts);
  r.throughput = std::move(thr);
  r.busy_gpus.assign(r.throughput.size(), 4);
  r.running_jobs.assign(r.throughput.size(), 1);
  r.decision_s.assign(r.throughput.size(), 0.002);
  for (std::size_t i = 0; i < r.finished_jct_s.size(); ++i) {
    job_outcome o;
    o.id = name + std::to_string(i);
    o.state = cellsched::job_state::finished;
    o.finish_s = r.finished_jct_s[i];
    r.jobs.push_back(o);
  }
  return r;
}
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("reports: table, JSON and CSV", "[sim][report]") {
  std::vector<sim_run> runs = {make_run("crius", {300, 600, 900}, {500, 1000, 50}),
                               make_run("fcfs", {1200}, {200, 400, 300})};
  std::vector<run_metrics> ms = {compute_metrics(runs[0]), compute_metrics(runs[1])};
  pad_jct(ms, runs);
  const std::string table = format_table(ms);
  REQUIRE(count(table, "crius") == 1);
  REQUIRE(table.find("3/3") != std::string::npos);  // finished / submitted
  REQUIRE(table.find("600") != std::string::npos);  // crius's average JCT
  // fcfs padded with the largest JCT (1,200) to crius's 3 finished jobs: 1,200.
  REQUIRE(*ms[1].padded_avg_jct_s == 1200.0);

  const auto doc = results_json(runs, ms, {{"trace", "t.csv"}});
  REQUIRE(doc["kind"] == "simulation_results");
  REQUIRE(doc["inputs"]["trace"] == "t.csv");
  REQUIRE(doc["policies"].size() == 2);
  const auto& c = doc["policies"][0];
  REQUIRE(c["policy"] == "crius");
  REQUIRE(c["finished_jobs"] == 3);
  REQUIRE(c["avg_jct_s"] == 600.0);
  REQUIRE(c["avg_throughput_samples_per_s"] == Approx(1550.0 / 3));  // every round has a running job
  REQUIRE(c["throughput_round_rule"] == "active");
  REQUIRE(c["peak_throughput_samples_per_s"] == 1000.0);
  REQUIRE(c["gpu_utilisation"] == 0.5);
  REQUIRE(c["decision_ms_median"] == Approx(2.0));
  REQUIRE(c["series"]["throughput_samples_per_s"].size() == 3);
  REQUIRE(c["finished_jct_s"].size() == 3);
  REQUIRE_FALSE(c.contains("reference"));  // not the reference experiment
  REQUIRE(c["jobs"].size() == 3);
  REQUIRE(c["jobs"][0]["id"] == "crius0");
  REQUIRE(c["jobs"][0]["jct_s"] == 300.0);
  // Compared with the reference: its rule counts rounds above 100 samples/s, and its figures ride along.
  const std::vector<run_metrics> ref = {compute_metrics(runs[0], round_rule::reference)};
  const auto rdoc = results_json({runs[0]}, ref, {}, true);
  REQUIRE(rdoc["policies"][0]["avg_throughput_samples_per_s"] == 750.0);
  REQUIRE(rdoc["policies"][0]["reference"]["finished_jobs"] == 828);

  const std::string csv = results_csv(ms);
  REQUIRE(count(csv, "\n") == 3);
  REQUIRE(csv.rfind("policy,submitted_jobs,finished_jobs,dropped_jobs,unfinished_jobs,avg_jct_s,", 0) == 0);
  REQUIRE(csv.find("\ncrius,3,3,0,0,600.000,") != std::string::npos);

  const std::string cmp = format_reference_comparison(ms);
  REQUIRE(cmp.find("41648") != std::string::npos);
  REQUIRE(cmp.find("by average JCT, ours:      crius < fcfs") != std::string::npos);
  REQUIRE(cmp.find("(same order)") != std::string::npos);
}

TEST_CASE("plots: one line per policy, escaped names, finite coordinates", "[sim][report]") {
  std::vector<sim_run> runs = {make_run("crius", {3600, 7200}, {500, 1000}), make_run("a<b", {1800}, {100, 200})};
  const std::string cdf = jct_cdf_svg(runs);
  REQUIRE(cdf.rfind("<svg", 0) == 0);
  REQUIRE(cdf.find("</svg>") != std::string::npos);
  REQUIRE(count(cdf, "<polyline") == 2);
  REQUIRE(cdf.find("a&lt;b") != std::string::npos);
  REQUIRE(cdf.find("nan") == std::string::npos);
  const std::string thr = throughput_svg(runs);
  REQUIRE(count(thr, "<polyline") == 2);
  REQUIRE(thr.find("samples/s") != std::string::npos);
  // An empty run still yields a valid picture.
  REQUIRE(jct_cdf_svg({make_run("none", {}, {})}).find("</svg>") != std::string::npos);
}
