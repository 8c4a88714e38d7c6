// cellsched._core: the one binding module of the Python package. It is deliberately thin: structured
// values cross the boundary as JSON text written and read by the library's own io/ functions (the same
// strict validation as every file loader), and the Python side (python/cellsched/) turns them into
// dicts and dataclasses. Every policy is compiled once, against `any_oracle`, which fronts the reference
// table, our estimator's best-plan table or a Python callable.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <cellsched/cell/any_oracle.hpp>
#include <cellsched/cell/enumerate.hpp>
#include <cellsched/error.hpp>
#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/job_json.hpp>
#include <cellsched/io/model_json.hpp>
#include <cellsched/io/profile_json.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/io/snapshot_json.hpp>
#include <cellsched/io/state_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/schedule/policy_state.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/state.hpp>
#include <cellsched/schedule/synchronized_oracle.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/search/plan_json.hpp>
#include <cellsched/search/rank.hpp>
#include <cellsched/sim/covering_oracle.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/table_coverage.hpp>
#include <cellsched/version.hpp>

namespace nb = nanobind;
using nlohmann::json;

namespace {

using namespace cellsched;
using cluster_ptr = std::shared_ptr<const cluster>;

/// A model named in the zoo, or described by a model document (JSON text) when `doc` is not empty.
model resolve_model(const std::string& name, const std::string& doc) {
  if (!doc.empty()) return io::parse_model(io::parse_json_text(doc, "<model>"), "<model>");
  return builtin_model_zoo().build(name);
}

/// Iteration times from a Python callable: fn(job: dict, gpu_type: str, layout: list[int]) returning
/// seconds per iteration (a float > 0), None or 0 for "cannot run", or a dict with iter_time_s and
/// optionally feasible, reason, stages. Safe to call from any thread: it takes the GIL.
class python_oracle {
 public:
  explicit python_oracle(nb::object fn) : fn_(std::move(fn)) {}
  python_oracle(const python_oracle&) = delete;
  python_oracle& operator=(const python_oracle&) = delete;
  ~python_oracle() {
    nb::gil_scoped_acquire gil;
    fn_.reset();
  }

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    nb::gil_scoped_acquire gil;
    nb::dict spec;
    spec["id"] = j.id;
    spec["model"] = j.model;
    spec["global_batch"] = j.global_batch;
    spec["iterations"] = j.iterations;
    spec["submit_time_s"] = j.submit_time_s;
    spec["requested_gpu_type"] = j.requested_gpu_type ? nb::cast(*j.requested_gpu_type) : nb::none();
    spec["requested_gpus"] = j.requested_gpus;
    spec["deadline_s"] = j.deadline_s ? nb::cast(*j.deadline_s) : nb::none();
    spec["weight"] = j.weight;
    // As the job JSON writes them: only when set (an empty queue is not a valid name on the way back).
    if (!j.queue.empty()) spec["queue"] = j.queue;
    if (!j.labels.empty()) {
      nb::list labels;
      for (const auto& lb : j.labels) labels.append(lb);
      spec["labels"] = labels;
    }
    nb::list l;
    for (int g : layout) l.append(g);
    const nb::object r = fn_(spec, gpu_type, l);
    perf_answer a;
    if (r.is_none()) {
      a.reason = "the Python oracle returned None";
      return a;
    }
    if (nb::isinstance<nb::dict>(r)) {
      const nb::dict d = nb::borrow<nb::dict>(r);
      a.iter_time_s = d.contains("iter_time_s") ? nb::cast<double>(d["iter_time_s"]) : 0.0;
      a.feasible = d.contains("feasible") ? nb::cast<bool>(d["feasible"]) : a.iter_time_s > 0;
      if (d.contains("reason")) a.reason = nb::cast<std::string>(d["reason"]);
      if (d.contains("stages")) a.stages = nb::cast<int>(d["stages"]);
    } else {
      a.iter_time_s = nb::cast<double>(r);
      a.feasible = a.iter_time_s > 0;
    }
    if (a.feasible && !(a.iter_time_s > 0)) throw nb::value_error("oracle: a feasible answer needs iter_time_s > 0");
    if (!a.feasible && a.reason.empty()) a.reason = "the Python oracle says it cannot run";
    return a;
  }

 private:
  nb::object fn_;
};

/// One oracle behind any_oracle, with whatever it fronts kept alive at a stable address.
struct oracle_holder {
  std::string kind;
  cluster_ptr topology;
  std::unique_ptr<reference_perf_table> table;
  std::unique_ptr<best_plan_table<analytic_estimator>> estimator;
  std::unique_ptr<synchronized_oracle<best_plan_table<analytic_estimator>>> shared_estimator;
  std::unique_ptr<python_oracle> callable;
  using covering = sim::covering_oracle<reference_perf_table, synchronized_oracle<best_plan_table<analytic_estimator>>>;
  std::unique_ptr<covering> chained;
  json coverage;  ///< what the table covers ("auto")
  std::unique_ptr<any_oracle> any;

  [[nodiscard]] perf_answer query(const job& j, const std::string& t, const node_layout& l) const {
    return any->query(j, t, l);
  }
};

std::shared_ptr<oracle_holder> table_oracle(cluster_ptr c, const std::string& path) {
  auto h = std::make_shared<oracle_holder>();
  h->kind = "table";
  h->topology = std::move(c);
  h->table = std::make_unique<reference_perf_table>(io::load_reference_table(path, h->topology->catalog()));
  h->table->bind_cluster(*h->topology);
  h->any = std::make_unique<any_oracle>(*h->table);
  return h;
}

std::shared_ptr<oracle_holder> estimator_oracle(cluster_ptr c, const std::vector<std::string>& model_docs) {
  auto h = std::make_shared<oracle_holder>();
  h->kind = "estimator";
  h->topology = std::move(c);
  h->estimator =
      std::make_unique<best_plan_table<analytic_estimator>>(analytic_estimator(h->topology->catalog()), *h->topology);
  for (const auto& doc : model_docs) h->estimator->add_model(resolve_model("", doc));
  h->estimator->set_resolver([](const std::string& name) -> std::optional<model> {
    if (!builtin_model_zoo().contains(name)) return std::nullopt;
    return builtin_model_zoo().build(name);
  });
  h->shared_estimator = std::make_unique<synchronized_oracle<best_plan_table<analytic_estimator>>>(*h->estimator);
  h->any = std::make_unique<any_oracle>(*h->shared_estimator);
  return h;
}

/// The table for the jobs of `trace_text` whose model and batch it measured (when it has every GPU type
/// of the cluster), our estimator for the others: `cellsched simulate --oracle auto`.
std::shared_ptr<oracle_holder> auto_oracle(cluster_ptr c, const std::string& trace_text, const std::string& path,
                                           const std::vector<std::string>& model_docs) {
  auto h = estimator_oracle(std::move(c), model_docs);
  h->kind = "auto";
  h->table = std::make_unique<reference_perf_table>(io::load_reference_table(path, h->topology->catalog()));
  h->table->bind_cluster(*h->topology);
  io::trace_options topts;
  topts.checks.gpus = &h->topology->catalog();
  const auto trace = io::parse_trace_json(io::parse_json_text(trace_text, "<trace>"), "<trace>", topts);
  const sim::table_coverage cov = sim::coverage_of(*h->table, *h->topology, trace);
  h->coverage = {{"table_jobs", cov.table_jobs},
                 {"estimator_jobs", cov.estimator_jobs},
                 {"uncovered_models", cov.missing_models},
                 {"uncovered_gpu_types", cov.missing_types},
                 {"warnings", cov.warnings()}};
  const auto covered = cov.covered;
  h->chained = std::make_unique<oracle_holder::covering>(*h->table, *h->shared_estimator, [covered](const job& j) {
    return covered.count({j.model, j.global_batch}) > 0;
  });
  h->any = std::make_unique<any_oracle>(*h->chained);
  return h;
}

std::shared_ptr<oracle_holder> callable_oracle(cluster_ptr c, nb::object fn) {
  auto h = std::make_shared<oracle_holder>();
  h->kind = "callable";
  h->topology = std::move(c);
  h->callable = std::make_unique<python_oracle>(std::move(fn));
  h->any = std::make_unique<any_oracle>(*h->callable);
  return h;
}

const sim::policy_registry<any_oracle>& registry() {
  static const sim::policy_registry<any_oracle> r = sim::default_policy_registry<any_oracle>();
  return r;
}

const sim::policy_entry<any_oracle>& find_policy(const std::string& name) {
  const auto* e = registry().find(name);
  if (!e) {
    std::string known;
    for (const auto& x : registry().entries()) known.append(known.empty() ? "" : ", ").append(x.name);
    throw nb::value_error(("unknown policy '" + name + "' (known: " + known + ")").c_str());
  }
  if (!e->available) throw nb::value_error(("policy '" + name + "' is " + e->unavailable_reason).c_str());
  return *e;
}

/// A policy object chosen by name; it keeps its state between decide() calls, as in the C++ library.
struct policy_handle {
  std::string name;
  cost_options costs;
  sim::any_policy<any_oracle> impl;

  explicit policy_handle(const std::string& n) {
    const auto& e = find_policy(n);
    name = e.name;
    costs = e.costs;
    impl = e.make();
  }
  std::string decide(const std::string& snapshot_text, const cluster_ptr& c, const oracle_holder& o) {
    const json doc = io::parse_json_text(snapshot_text, "<snapshot>");
    std::deque<job> specs;
    const snapshot<any_oracle> s = io::parse_snapshot(doc, *c, *o.any, specs, "<snapshot>");
    decision d;
    {
      nb::gil_scoped_release release;
      d = impl.decide(s);
    }
    return io::to_json(d).dump();
  }
};

json costs_json(const cost_options& c) {
  return {{"tune_s_per_gpu", c.tune_s_per_gpu}, {"tune_cap_s", c.tune_cap_s}, {"restart_s", c.restart_s}};
}

cost_options parse_costs(const std::string& text, const cost_options& def) {
  if (text.empty()) return def;
  const json doc = io::parse_json_text(text, "<costs>");
  io::json_reader r(doc, "<costs>", "");
  cost_options c;
  c.tune_s_per_gpu = r.number_or("tune_s_per_gpu", def.tune_s_per_gpu, 0.0);
  c.tune_cap_s = r.number_or("tune_cap_s", def.tune_cap_s, 0.0);
  c.restart_s = r.number_or("restart_s", def.restart_s, 0.0);
  r.finish();
  return c;
}

std::vector<event> parse_events(const std::string& text, const cluster& c) {
  if (text.empty()) return {};
  // The snapshot reader checks events; reuse it on a snapshot holding only them.
  json doc = {{"now_s", 0.0}, {"jobs", json::array()}, {"events", io::parse_json_text(text, "<events>")}};
  std::deque<job> none;
  const any_oracle* no_oracle = nullptr;
  return io::parse_snapshot(doc, c, no_oracle, none, "<events>").events;
}

/// A host's record keeper (schedule/state.hpp) on a cluster the Python object keeps alive.
struct state_handle {
  cluster_ptr topology;
  scheduler_state state;

  explicit state_handle(cluster_ptr c) : topology(std::move(c)), state(*topology) {}
  state_handle(cluster_ptr c, scheduler_state s) : topology(std::move(c)), state(std::move(s)) {}

  void submit(const std::string& job_text) {
    io::job_checks checks;
    checks.gpus = &topology->catalog();
    state.submit(io::parse_job(io::parse_json_text(job_text, "<job>"), "<job>", "", checks));
  }
  void set_remaining(const std::string& id, std::int64_t remaining) {
    job_record* r = state.find(id);
    if (!r) throw nb::key_error(("no job '" + id + "'").c_str());
    if (remaining < 0 || remaining > r->spec.iterations)
      throw nb::value_error(
          ("remaining iterations of '" + id + "' must be in [0, " + std::to_string(r->spec.iterations) + "]").c_str());
    r->remaining_iterations = remaining;
  }
  void add_queued(double seconds) {
    for (const auto& r : state.jobs())
      if (r.state == job_state::pending) state.find(r.spec.id)->queued_s += seconds;
  }
  std::vector<std::string> validate(const std::string& decision_text) const {
    return state.validate(
        io::parse_decision(io::parse_json_text(decision_text, "<decision>"), *topology, "<decision>"));
  }
  std::string apply(const std::string& decision_text) {
    const apply_report rep =
        state.apply(io::parse_decision(io::parse_json_text(decision_text, "<decision>"), *topology, "<decision>"));
    return json{{"started", rep.started}, {"moved", rep.moved}, {"preempted", rep.preempted}, {"dropped", rep.dropped}}
        .dump();
  }
  std::string snapshot_text(double now_s, const std::string& events, const std::string& costs,
                            std::uint64_t seed) const {
    const any_oracle* no_oracle = nullptr;
    return io::to_json(state.make_snapshot(now_s, no_oracle, parse_costs(costs, cost_options{}),
                                           parse_events(events, *topology), seed))
        .dump();
  }
  /// The snapshot built and decided in C++: no JSON on the way in.
  std::string decide(policy_handle& p, double now_s, const oracle_holder& o, const std::string& events,
                     const std::string& costs, std::uint64_t seed) {
    const snapshot<any_oracle> s =
        state.make_snapshot(now_s, *o.any, parse_costs(costs, p.costs), parse_events(events, *topology), seed);
    decision d;
    {
      nb::gil_scoped_release release;
      d = p.impl.decide(s);
    }
    return io::to_json(d).dump();
  }
};

/// Runs each named policy over the trace; the document of `cellsched simulate --json` (metrics, series,
/// every job's outcome), without the inputs block, which the Python side writes.
std::string simulate(const cluster_ptr& c, const std::string& trace_text, const oracle_holder& o,
                     const std::vector<std::string>& names, const std::string& options_text) {
  const json opts_doc = io::parse_json_text(options_text, "<options>");
  io::json_reader r(opts_doc, "<options>", "");
  sim::sim_options opts;
  opts.rounds = static_cast<int>(r.integer("rounds", 1, 100'000'000));
  opts.round_s = r.positive("round_s");
  opts.stop_when_done = r.boolean("stop_when_done");
  opts.stop_when_stalled = r.boolean("stop_when_stalled");
  opts.carry_exec_time_across_preemption = r.boolean("carry_exec_time_across_preemption");
  opts.order = sim::parse_trace_order(r.string("trace_order"));
  opts.seed = static_cast<std::uint64_t>(r.integer("seed", 0));
  opts.deadline_stretch = r.positive("deadline_stretch");
  // Random faults (sim/fault_injection.hpp) at this rate per node-day and per job-day, drawn from `seed`.
  if (r.has("fault_rate")) {
    sim::fault_options f;
    f.seed = opts.seed;
    f.node_failures_per_node_day = r.number("fault_rate", 0.0, 1e4);
    f.job_crashes_per_job_day = f.node_failures_per_node_day;
    opts.faults = f;
  }
  const sim::round_rule rule =
      r.string("round_rule") == "reference" ? sim::round_rule::reference : sim::round_rule::active;
  const bool with_reference = r.boolean("with_reference");
  io::trace_options topts;
  topts.iteration_divisor = static_cast<int>(r.integer_or("iteration_divisor", 1, 1, 1'000'000));
  r.finish();
  topts.checks.gpus = &c->catalog();
  const std::vector<job> trace = io::parse_trace_json(io::parse_json_text(trace_text, "<trace>"), "<trace>", topts);
  std::vector<const sim::policy_entry<any_oracle>*> entries;
  for (const auto& n : names) entries.push_back(&find_policy(n));
  std::vector<sim::sim_run> runs;
  {
    nb::gil_scoped_release release;
    for (const auto* e : entries) {
      auto pol = e->make();
      runs.push_back(sim::simulate(*c, trace, *o.any, pol, e->costs, opts));
    }
  }
  std::vector<sim::run_metrics> metrics;
  for (const auto& run : runs) metrics.push_back(sim::compute_metrics(run, rule));
  sim::pad_jct(metrics, runs);
  json doc = sim::results_json(runs, metrics, json::object(), with_reference);
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (runs[i].faults) doc["policies"][i]["faults"] = sim::faults_json(*runs[i].faults);
  return doc.dump();
}

/// The estimator's constants on the named software stack (estimate/software_stack.hpp).
analytic_params params_for(const std::string& software) {
  const software_stack* s = find_software_stack(software);
  if (!s) throw nb::value_error(("software: expected " + software_stack_names() + ", got '" + software + "'").c_str());
  analytic_params p;
  p.software = *s;
  return p;
}

/// The plan space `cellsched plan` searches: every option real runs set (search_options::real_runs), and
/// only plans Megatron-LM launches as they are unless `allow_nonuniform`.
search_options python_search_options(bool allow_nonuniform) {
  search_options so = search_options::real_runs();
  so.megatron_launchable = !allow_nonuniform;
  return so;
}

std::string estimate(const std::string& model_name, const std::string& model_doc, std::int64_t batch,
                     const cluster_ptr& c, const std::string& gpu_type, const std::vector<int>& layout, int stages,
                     const std::string& plan_text, const std::vector<std::string>& profiles,
                     const std::string& software) {
  const model m = resolve_model(model_name, model_doc);
  std::vector<probe_profile> loaded;
  for (const auto& p : profiles) loaded.push_back(io::load_profile_file(p));
  const analytic_estimator est(c->catalog(), params_for(software), loaded);
  if (stages < 1) throw nb::value_error("stages must be >= 1");
  const cell where = make_cell(*c, gpu_type, layout, stages);
  if (plan_text.empty()) {
    nb::gil_scoped_release release;
    return search_result_to_json(m, search_cell(est, m, where, batch, python_search_options(false))).dump();
  }
  const json doc = io::parse_json_text(plan_text, "<plan>");
  const plan p = io::state_json_detail::parse_plan(io::json_reader(doc, "<plan>", ""));
  json out = estimate_to_json(est.estimate(m, where, p));
  out["cell"] = cell_to_json(where);
  out["plan"] = plan_to_json(where, p);
  return out.dump();
}

std::string plan_search(const std::string& model_name, const std::string& model_doc, std::int64_t batch,
                        const cluster_ptr& c, const std::optional<std::string>& gpu_type,
                        const std::optional<std::vector<int>>& layout, std::size_t top, int max_stages,
                        const std::string& software, bool allow_nonuniform) {
  const model m = resolve_model(model_name, model_doc);
  const analytic_estimator est(c->catalog(), params_for(software));
  const search_options so = python_search_options(allow_nonuniform);
  json out = json::array();
  nb::gil_scoped_release release;
  if (layout) {
    if (!gpu_type) throw std::invalid_argument("a layout needs its gpu_type");
    out.push_back(search_result_to_json(m, search_allocation(est, m, *c, *gpu_type, *layout, batch, so, max_stages)));
    return out.dump();
  }
  cell_options co;
  co.max_stages = max_stages;
  std::vector<cell> cells = enumerate_cells(m, *c, co);
  if (gpu_type) std::erase_if(cells, [&](const cell& x) { return x.gpu_type != *gpu_type; });
  const std::vector<cell_search_result> ranked = rank_cells(est, m, batch, cells, so);
  for (std::size_t i = 0; i < ranked.size() && i < top; ++i) out.push_back(search_result_to_json(m, ranked[i]));
  return out.dump();
}

/// Seconds per decide() of a fresh policy on a snapshot parsed once, `repeats` times: the C++ baseline
/// of bench/python_overhead.py (no Python and no JSON inside the timed region).
std::vector<double> time_decide(const std::string& name, const std::string& snapshot_text, const cluster_ptr& c,
                                const oracle_holder& o, int repeats) {
  const json doc = io::parse_json_text(snapshot_text, "<snapshot>");
  std::deque<job> specs;
  const snapshot<any_oracle> s = io::parse_snapshot(doc, *c, *o.any, specs, "<snapshot>");
  const auto& e = find_policy(name);
  std::vector<double> out;
  nb::gil_scoped_release release;
  for (int i = 0; i < repeats; ++i) {
    auto p = e.make();
    const auto t0 = std::chrono::steady_clock::now();
    const decision d = p.decide(s);
    out.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (d.run.size() > s.jobs.size()) throw internal_error("a decision placing more jobs than the snapshot has");
  }
  return out;
}

void translate_errors(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const input_error& e) {
    nb::object cls = nb::module_::import_("cellsched._errors").attr("InputError");
    nb::object exc = cls(e.what(), e.file(), e.field(), e.expected(), e.line());
    PyErr_SetObject(cls.ptr(), exc.ptr());
  } catch (const policy_state_error& e) {
    nb::object cls = nb::module_::import_("cellsched._errors").attr("PolicyStateError");
    PyErr_SetString(cls.ptr(), e.what());
  } catch (const internal_error& e) {
    nb::object cls = nb::module_::import_("cellsched._errors").attr("InternalError");
    PyErr_SetString(cls.ptr(), e.what());
  }
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "cellsched's C++ core; use the cellsched package, which wraps it in Python types.";
  m.attr("__version__") = CELLSCHED_VERSION_STRING;
  nb::register_exception_translator(translate_errors);

  nb::class_<cluster>(m, "Cluster")
      .def_prop_ro("name", [](const cluster& c) { return c.name(); })
      .def_prop_ro("total_gpus", [](const cluster& c) { return c.total_gpus(); })
      .def("to_json", [](const cluster& c) { return io::to_json(c).dump(); })
      .def("nodes_json", [](const cluster& c) {
        json out = json::array();
        for (const auto& n : c.nodes())
          out.push_back({{"id", n.id}, {"gpu_type", n.gpu_type}, {"num_gpus", n.num_gpus}, {"first_gpu", n.first_gpu}});
        return out.dump();
      });
  m.def("load_cluster",
        [](const std::string& path) { return std::make_shared<const cluster>(io::load_cluster_file(path)); });
  m.def("parse_cluster", [](const std::string& text, const std::string& origin) {
    return std::make_shared<const cluster>(io::parse_cluster(io::parse_json_text(text, origin), origin));
  });

  m.def("load_trace", [](const std::string& path, int divisor, const std::optional<cluster_ptr>& c) {
    io::trace_options o;
    o.iteration_divisor = divisor;
    if (c) o.checks.gpus = &(*c)->catalog();
    o.checks.models = &builtin_model_zoo();
    return io::trace_to_json(io::load_trace_file(path, o)).dump();
  });
  m.def("load_job", [](const std::string& path) { return io::to_json(io::load_job_file(path)).dump(); });
  m.def("load_model", [](const std::string& path) { return io::to_json(io::load_model_file(path)).dump(); });
  m.def("load_profile", [](const std::string& path) { return io::to_json(io::load_profile_file(path)).dump(); });
  m.def("model_names", [] { return builtin_model_zoo().names(); });

  nb::class_<oracle_holder>(m, "Oracle")
      .def_ro("kind", &oracle_holder::kind)
      .def("coverage_json", [](const oracle_holder& o) { return o.coverage.dump(); });
  m.def("auto_oracle", &auto_oracle);
  m.def("table_oracle", &table_oracle);
  m.def("estimator_oracle", &estimator_oracle);
  m.def("callable_oracle", &callable_oracle);
  m.def("oracle_query", [](const oracle_holder& o, const std::string& job_text, const std::string& type,
                           const std::vector<int>& layout) {
    const job j = io::parse_job(io::parse_json_text(job_text, "<job>"), "<job>", "");
    perf_answer a;
    {
      nb::gil_scoped_release release;
      a = o.query(j, type, layout);
    }
    json out = {{"feasible", a.feasible}, {"iter_time_s", a.iter_time_s}, {"stages", a.stages}, {"reason", a.reason}};
    if (a.best_plan) out["plan"] = io::state_json_detail::plan_json(*a.best_plan);
    return out.dump();
  });

  m.def("policies", [] {
    json out = json::array();
    for (const auto& e : registry().entries())
      out.push_back({{"name", e.name},
                     {"summary", e.summary},
                     {"available", e.available},
                     {"unavailable_reason", e.unavailable_reason},
                     {"costs", costs_json(e.costs)}});
    return out.dump();
  });
  nb::class_<policy_handle>(m, "Policy")
      .def(nb::init<const std::string&>())
      .def_ro("name", &policy_handle::name)
      .def_prop_ro("costs", [](const policy_handle& p) { return costs_json(p.costs).dump(); })
      .def("decide", &policy_handle::decide)
      .def("save_state", [](const policy_handle& p) { return p.impl.save_state().dump(); })
      .def("load_state", [](policy_handle& p, const std::string& text, const cluster_ptr& c) {
        p.impl.load_state(io::parse_json_text(text, "<policy state>"), *c);
      });

  nb::class_<state_handle>(m, "SchedulerState")
      .def(nb::init<cluster_ptr>())
      .def("submit", &state_handle::submit)
      .def("finish", [](state_handle& s, const std::string& id, double now) { s.state.finish(id, now); })
      .def("requeue", [](state_handle& s, const std::string& id) { s.state.requeue(id); })
      .def("fail_node", [](state_handle& s, int n) { return s.state.fail_node(n); })
      .def("repair_node", [](state_handle& s, int n) { s.state.repair_node(n); })
      .def("set_remaining", &state_handle::set_remaining)
      .def("add_queued", &state_handle::add_queued)
      .def("validate", &state_handle::validate)
      .def("apply", &state_handle::apply)
      .def("check_invariants", [](const state_handle& s) { return s.state.check_invariants(); })
      .def("busy_gpus", [](const state_handle& s) { return s.state.busy_gpus(); })
      .def("snapshot", &state_handle::snapshot_text)
      .def("decide", &state_handle::decide)
      .def("to_json", [](const state_handle& s) { return io::to_json(s.state).dump(); })
      .def_static("from_json", [](const std::string& text, const cluster_ptr& c) {
        return std::make_unique<state_handle>(c, io::parse_scheduler_state(text, *c, "<scheduler state>"));
      });

  m.def("simulate", &simulate);
  m.def("estimate", &estimate);
  m.def("plan", &plan_search);
  m.def("_time_decide", &time_decide);
}
