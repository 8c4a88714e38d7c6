// Accuracy regression guard on the published vTrain single-node measurements (data/measurements/).
// Targets of the estimator issue: median |relative error| <= 10 % (met) and, in >= 80 % of the
// (model, GPUs, global batch) groups, a predicted-best plan within 5 % of the measured best. The second is
// NOT met by the purely analytic model (68 % when this test was written, see the bench output); the guard
// below keeps it from getting worse and must be raised when the model improves. With measured stage scales
// held out by model it is met (stage_calibration_test.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"

using namespace cellsched;

namespace {
const std::vector<measurement_prediction>& vtrain_predictions() {
  static const std::vector<measurement_prediction> preds = [] {
    const auto rows =
        load_measurements_file(std::string(CELLSCHED_DATA_DIR) + "/measurements/vtrain-a100-single-node.csv");
    return predict_measurements(analytic_estimator(builtin_catalog()), rows);
  }();
  return preds;
}
}  // namespace

TEST_CASE("every vTrain row is representable and fits the GPU it ran on", "[estimate][accuracy]") {
  const auto& preds = vtrain_predictions();
  REQUIRE(preds.size() == 1440);
  for (const auto& p : preds) {
    INFO("line " << p.row.line << ": " << p.reason);
    REQUIRE(p.predicted());
    REQUIRE(p.fits_in_memory);
    REQUIRE(p.calibration == "analytic");
  }
}

TEST_CASE("vTrain single node: median error within 10 %, on all rows and on the held-out half",
          "[estimate][accuracy]") {
  const auto& preds = vtrain_predictions();
  const measurement_summary all = summarize_measurements(preds);
  const measurement_summary held_out = summarize_measurements(preds, [](std::size_t i) { return i % 2 == 1; });
  CHECK(all.median_abs_rel_error <= 0.10);
  CHECK(held_out.median_abs_rel_error <= 0.10);
  CHECK(all.p90_abs_rel_error <= 0.20);
  CHECK(all.max_abs_rel_error <= 0.40);
}

TEST_CASE("vTrain single node: ranking of plans within each group", "[estimate][accuracy]") {
  const measurement_summary s = summarize_measurements(vtrain_predictions());
  REQUIRE(s.groups.size() == 144);
  const double within_5pct = static_cast<double>(s.groups_within_5pct) / static_cast<double>(s.groups.size());
  CHECK(within_5pct >= 0.65);
  double worst = 0.0;
  for (const auto& g : s.groups) worst = std::max(worst, g.slowdown);
  CHECK(worst <= 0.30);  // the predicted-best plan is never far off the measured best
}

TEST_CASE("published multi-node Megatron-LM tables: every row represented, accuracy targets held",
          "[estimate][accuracy]") {
  // Issue targets per table: median |error| <= 7 %, no row over 15 %, signed mean within +-5 %. The
  // defaults were fitted on the even rows of these tables and vTrain's together (analytic_params.hpp), so
  // this guards a partly in-sample figure; the odd rows are the held-out check (bench/estimator_accuracy).
  for (const char* name :
       {"megatron-sc21-table1.csv", "megatron-readme-2020-a100.csv", "megatron-korthikanti2022-table5.csv"}) {
    INFO(name);
    const auto rows = load_measurements_file(std::string(CELLSCHED_DATA_DIR) + "/measurements/" + name);
    const auto preds = predict_measurements(analytic_estimator(builtin_catalog()), rows);
    for (const auto& p : preds) {
      INFO("line " << p.row.line << ": " << p.reason);
      REQUIRE(p.predicted());
    }
    const measurement_summary s = summarize_measurements(preds);
    CHECK(s.median_abs_rel_error <= 0.07);
    CHECK(s.max_abs_rel_error <= 0.15);
    CHECK(std::abs(s.mean_rel_error) <= 0.05);
  }
}
