// The closed loop's online oracle: provenance and its fallback chain worked by hand, drift alarms
// (and none for jitter), staleness, versions, and state that survives a restart through JSON.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <cellsched/adapt/online_oracle.hpp>
#include <cellsched/io/observation_io.hpp>

using namespace cellsched;

namespace {

/// Predicts 1 s per iteration everywhere, except on "slowgpu" (infeasible).
struct unit_oracle {
  [[nodiscard]] perf_answer query(const job&, const std::string& type, const node_layout&) const {
    perf_answer a;
    a.feasible = type != "slowgpu";
    a.iter_time_s = a.feasible ? 1.0 : 0.0;
    if (!a.feasible) a.reason = "no plan";
    return a;
  }
};
static_assert(perf_oracle<unit_oracle>);
static_assert(perf_oracle<online_oracle<unit_oracle>>);

job make_job(const std::string& model, std::int64_t batch = 64) {
  job j;
  j.id.push_back('j');  // not = "j": GCC 12 warns falsely (-Wrestrict) on that assignment here
  j.model = model;
  j.global_batch = batch;
  return j;
}

observation obs(const std::string& model, const std::string& type, node_layout layout, double t, double at = 0.0,
                std::int64_t batch = 64) {
  observation o;
  o.job_id = "j1";
  o.model = model;
  o.global_batch = batch;
  o.gpu_type = type;
  o.layout = std::move(layout);
  o.iter_time_s = t;
  o.time_s = at;
  return o;
}

}  // namespace

TEST_CASE("online oracle: observed, then inferred along the documented chain, else predicted", "[adapt]") {
  const unit_oracle inner;
  online_oracle<unit_oracle> o(inner);
  const auto before = o.explain(make_job("bert__1.3B"), "a100-40gb", {4});
  CHECK(before.source == provenance::predicted);
  CHECK(before.confidence == 0.0);
  CHECK(before.answer.iter_time_s == 1.0);

  (void)o.observe(obs("bert__1.3B", "a100-40gb", {4}, 2.0));
  const auto cell = o.explain(make_job("bert__1.3B"), "a100-40gb", {4});
  CHECK(cell.source == provenance::observed);
  CHECK(cell.answer.iter_time_s == 2.0);
  CHECK(cell.observations == 1);
  CHECK(cell.confidence == Approx(0.5));  // (1 - 1/2) x (1 - 0 spread)
  CHECK(cell.basis == "this Cell");
  // 1. the same job on the same type, another layout: 1 s x the observed ratio 2.
  const auto same_type = o.explain(make_job("bert__1.3B"), "a100-40gb", {4, 4});
  CHECK(same_type.source == provenance::inferred);
  CHECK(same_type.answer.iter_time_s == 2.0);
  CHECK(same_type.basis == "the same job on this GPU type");
  CHECK(same_type.confidence == Approx(0.25));
  // 2. the same job on another type.
  CHECK(o.explain(make_job("bert__1.3B"), "v100-32gb", {8}).basis == "the same job on other GPU types");
  // 3. the same family on the same type; another batch is another job.
  const auto family = o.explain(make_job("bert__2.6B"), "a100-40gb", {4});
  CHECK(family.basis == "the same model family on this GPU type");
  CHECK(family.answer.iter_time_s == 2.0);
  CHECK(o.explain(make_job("bert__1.3B", 128), "a100-40gb", {2}).basis == "the same model family on this GPU type");
  // Nothing similar: predicted, unchanged.
  const auto other = o.explain(make_job("moe__690M"), "v100-32gb", {8});
  CHECK(other.source == provenance::predicted);
  CHECK(other.answer.iter_time_s == 1.0);
  // A Cell the inner oracle finds infeasible but a job ran in is feasible at what it measured.
  (void)o.observe(obs("gpt3-350m", "slowgpu", {2}, 7.5));
  CHECK(o.query(make_job("gpt3-350m"), "slowgpu", {2}).feasible);
  CHECK(o.query(make_job("gpt3-350m"), "slowgpu", {2}).iter_time_s == 7.5);
  CHECK_FALSE(o.query(make_job("gpt3-350m"), "slowgpu", {1}).feasible);  // nothing to scale
}

TEST_CASE("online oracle: the estimate is the median of the recent window", "[adapt]") {
  const unit_oracle inner;
  online_options opt;
  opt.window = 4;
  opt.drift.lambda = 100.0;  // no alarms in this test
  online_oracle<unit_oracle> o(inner, opt);
  for (double t : {2.0, 2.2, 1.8, 9.0}) (void)o.observe(obs("m__1B", "a10", {1}, t));
  CHECK(o.query(make_job("m__1B"), "a10", {1}).iter_time_s == Approx(2.1));  // (2.0 + 2.2) / 2: 9 s is an outlier
  for (double t : {3.0, 3.0, 3.0}) (void)o.observe(obs("m__1B", "a10", {1}, t));
  CHECK(o.query(make_job("m__1B"), "a10", {1}).iter_time_s == Approx(3.0));  // the window moved on
}

TEST_CASE("online oracle: a 30 % slowdown raises alarms at once; 1.5 % jitter never does", "[adapt][drift]") {
  const unit_oracle inner;
  online_oracle<unit_oracle> o(inner);
  for (int i = 0; i < 5; ++i) (void)o.observe(obs("m__1B", "a100-40gb", {4}, 2.0, 300.0 * i));
  const auto v = o.version();
  (void)o.observe(obs("m__1B", "a100-40gb", {4}, 2.0, 1500));
  CHECK(o.version() == v);  // nothing changed: memoised answers stay valid
  const auto alarms = o.observe(obs("m__1B", "a100-40gb", {4}, 2.6, 1800));
  REQUIRE(alarms.size() == 2);
  CHECK(alarms[0].scope == "cell");
  CHECK(alarms[0].key == "m__1B b64 a100-40gb [4]");
  CHECK(alarms[0].reason == "this Cell run 30 % slower than learnt (job j1)");
  CHECK(alarms[1].scope == "gpu_type");
  CHECK(alarms[1].reason == "Cells of a100-40gb run 30 % slower than learnt (job j1)");
  CHECK(alarms[0].time_s == 1800);
  CHECK(o.version() != v);
  // The old observations were dropped: the estimate follows the change at once.
  CHECK(o.query(make_job("m__1B"), "a100-40gb", {4}).iter_time_s == Approx(2.6));

  online_oracle<unit_oracle> calm(inner);
  for (int i = 0; i < 200; ++i)
    CHECK(calm.observe(obs("m__1B", "a100-40gb", {4}, i % 2 ? 2.03 : 1.97, 300.0 * i)).empty());
  CHECK(calm.alarms().empty());
}

TEST_CASE("online oracle: a GPU type marked stale is answered by inference until observed again", "[adapt]") {
  const unit_oracle inner;
  online_oracle<unit_oracle> o(inner);
  (void)o.observe(obs("m__1B", "a100-40gb", {4}, 2.0));
  (void)o.observe(obs("m__1B", "v100-32gb", {4}, 3.0));
  o.mark_stale("a100-40gb");
  CHECK(o.stale_types().count("a100-40gb") == 1);
  const auto a = o.explain(make_job("m__1B"), "a100-40gb", {4});
  CHECK(a.source == provenance::inferred);  // from the V100 Cell, not the stale A100 one
  CHECK(a.answer.iter_time_s == 3.0);
  REQUIRE(o.observed_layouts("a100-40gb") == std::vector<node_layout>{{4}});
  (void)o.observe(obs("m__1B", "a100-40gb", {4}, 2.5));
  CHECK(o.stale_types().empty());
  CHECK(o.explain(make_job("m__1B"), "a100-40gb", {4}).answer.iter_time_s == 2.5);
}

TEST_CASE("online oracle: what it learnt survives a restart through JSON", "[adapt][io]") {
  const unit_oracle inner;
  online_oracle<unit_oracle> o(inner);
  (void)o.observe(obs("m__1B", "a100-40gb", {4, 4}, 2.0));
  (void)o.observe(obs("m__1B", "a100-40gb", {4, 4}, 2.4));
  (void)o.observe(obs("bert__1.3B", "a10", {2}, 5.0));
  o.mark_stale("v100-32gb");
  const io::json saved = io::to_json(o.state());
  online_oracle<unit_oracle> back(inner);
  back.restore(io::parse_online_state(io::json::parse(saved.dump()), "state.json"));
  for (const auto& [model, type, layout] : {std::tuple{"m__1B", "a100-40gb", node_layout{4, 4}},
                                            std::tuple{"m__1B", "a100-40gb", node_layout{8}},
                                            std::tuple{"bert__1.3B", "a10", node_layout{2}}}) {
    const auto x = o.explain(make_job(model), type, layout);
    const auto y = back.explain(make_job(model), type, layout);
    CHECK(x.answer.iter_time_s == y.answer.iter_time_s);
    CHECK(x.source == y.source);
    CHECK(x.observations == y.observations);
  }
  CHECK(back.stale_types() == o.stale_types());
  CHECK(io::to_json(back.state()) == saved);
}
