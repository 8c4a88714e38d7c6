#pragma once
// `online_oracle<Inner>`: a perf_oracle that learns from what running jobs report. It answers from an
// inner oracle (our estimator, a measured table) corrected by observations (adapt/observation.hpp):
//
//   observed   the Cell itself was observed: the median of its last `window` measured times;
//   inferred   the Cell was not, but similar Cells were: the inner prediction times the median ratio
//              observed / predicted of, in this order (the first level that has observations wins):
//                1. the same job (model, batch) on the same GPU type, other counts and layouts;
//                2. the same job on other GPU types;
//                3. the same model family on the same GPU type;
//              a Cell whose GPU type was marked stale (mark_stale) is answered from this chain too,
//              with its own observations ignored until it is observed again;
//   predicted  nothing similar was observed: the inner answer unchanged.
// A Cell where a job was reported failed (out of memory, a crash at start) is infeasible until a job
// is observed running there.
//
// Every answer (explain()) says where it comes from, on how many observations, and how sure it is:
// observed n: 1 - 1/(n + 1) scaled by the spread of the window (1 - min(1, MAD/median)); inferred:
// half of that of the level it used; predicted: 0. Drift: every observation of an already observed
// Cell feeds a CUSUM detector of its Cell and one of its GPU type (adapt/drift.hpp) with
// ln(observed / learnt); an alarm drops the Cell's (or the type's Cells') older observations, so the
// estimate follows the change at once. version() changes whenever an answer may have changed (callers
// that memoise answers, like the Crius policy, start over). Not thread-safe: one instance per scheduler.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/adapt/drift.hpp"
#include "cellsched/adapt/observation.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched {

enum class provenance { predicted, observed, inferred };

[[nodiscard]] inline const char* to_string(provenance p) noexcept {
  switch (p) {
    case provenance::observed: return "observed";
    case provenance::inferred: return "inferred";
    case provenance::predicted: break;
  }
  return "predicted";
}

struct online_options {
  std::size_t window = 8;  ///< recent observations per Cell the estimate is the median of
  drift_options drift{};
};

/// An answer with its provenance.
struct online_answer {
  perf_answer answer;
  provenance source = provenance::predicted;
  double confidence = 0.0;        ///< 0..1
  std::size_t observations = 0;   ///< behind the answer
  std::string basis;              ///< e.g. "this Cell", "the same job on a100-40gb"
};

/// What an online oracle has learnt, as plain data (io/observation_io.hpp saves and loads it).
struct online_state {
  struct cell_record {
    cell_key key;
    std::vector<double> times_s;  ///< recent measured times, oldest first
    std::size_t total = 0;        ///< observations ever
    double predicted_s = 0.0;     ///< the inner prediction (0: infeasible there)
    double last_time_s = 0.0;
    bool failed = false;
  };
  std::vector<cell_record> cells;
  std::vector<std::string> stale_types;
  std::vector<drift_alarm> alarms;
};

namespace adapt_detail {

[[nodiscard]] inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

[[nodiscard]] inline std::string layout_text(const node_layout& l) {
  std::string s = "[";
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(l[i]);
  }
  return s + ']';
}

[[nodiscard]] inline std::string key_text(const cell_key& k) {
  return k.model + " b" + std::to_string(k.global_batch) + " " + k.gpu_type + " " + layout_text(k.layout);
}

}  // namespace adapt_detail

template <perf_oracle Inner>
class online_oracle {
 public:
  /// `inner` must outlive this object.
  explicit online_oracle(const Inner& inner, online_options o = {}) : inner_(&inner), opts_(o) {
    if (opts_.window < 1) opts_.window = 1;
  }

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    return explain(j, gpu_type, layout).answer;
  }

  /// The answer with where it comes from (see the file comment).
  [[nodiscard]] online_answer explain(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    const cell_key k = key_of(j.model, j.global_batch, gpu_type, layout);
    if (auto it = memo_.find(k); it != memo_.end()) return it->second;
    online_answer out = compute(j, k);
    memo_.emplace(k, out);
    return out;
  }

  /// Records what a running job measured; returns the alarms it raised (also kept in alarms()).
  std::vector<drift_alarm> observe(const observation& o) {
    std::vector<drift_alarm> raised;
    if (o.layout.empty()) return raised;
    if (o.failed) {  // the Cell is infeasible in fact, whatever the inner oracle says
      cell& c = cells_[key_of(o.model, o.global_batch, o.gpu_type, o.layout)];
      if (!c.failed) {
        c.failed = true;
        c.times.clear();
        changed();
      }
      ++c.total;
      c.last_time_s = o.time_s;
      return raised;
    }
    if (!(o.iter_time_s > 0) || !std::isfinite(o.iter_time_s)) return raised;
    const cell_key k = key_of(o.model, o.global_batch, o.gpu_type, o.layout);
    cell& c = cells_[k];
    if (c.failed) {
      c.failed = false;
      changed();
    }
    if (c.total == 0) {
      c.detector = cusum_detector(opts_.drift);
      job j;
      j.id = o.job_id;
      j.model = o.model;
      j.global_batch = o.global_batch;
      const perf_answer p = inner_->query(j, o.gpu_type, k.layout);
      c.predicted_s = p.feasible && p.iter_time_s > 0 ? p.iter_time_s : 0.0;
    }
    // A type marked stale is re-observed: its Cells learn afresh from here (mark_stale cleared them).
    const bool stale = stale_types_.erase(o.gpu_type) > 0;
    const bool had = !c.times.empty();
    const double before = had ? adapt_detail::median({c.times.begin(), c.times.end()}) : 0.0;
    if (had && !stale) {
      const double r = std::log(o.iter_time_s / before);
      if (c.detector.add(r)) {
        raised.push_back(alarm("cell", adapt_detail::key_text(k), o, r, "this Cell"));
        c.times.clear();
      }
      auto& td = type_detectors_.try_emplace(o.gpu_type, cusum_detector(opts_.drift)).first->second;
      if (td.add(r)) {
        raised.push_back(alarm("gpu_type", o.gpu_type, o, r, "Cells of " + o.gpu_type));
        for (auto& [key, other] : cells_)
          if (key.gpu_type == o.gpu_type) {
            other.times.clear();
            other.detector.reset();
          }
      }
    }
    c.times.push_back(o.iter_time_s);
    while (c.times.size() > opts_.window) c.times.pop_front();
    ++c.total;
    c.last_time_s = o.time_s;
    alarms_.insert(alarms_.end(), raised.begin(), raised.end());
    // Answers change only when what was learnt changed: a new estimate, an alarm, a type re-observed.
    const double after = adapt_detail::median({c.times.begin(), c.times.end()});
    if (!had || after != before || !raised.empty() || stale) changed();
    return raised;
  }

  /// The hardware of a GPU type changed (new nodes, a driver, an updated probe profile): what was
  /// observed on it no longer stands; its Cells are answered by inference until observed again.
  void mark_stale(const std::string& gpu_type) {
    stale_types_.insert(gpu_type);
    for (auto& [key, c] : cells_)
      if (key.gpu_type == gpu_type) {
        c.times.clear();
        c.detector.reset();
      }
    changed();
  }
  [[nodiscard]] const std::set<std::string>& stale_types() const noexcept { return stale_types_; }

  /// Layouts of a type observed so far (what to re-measure first after it went stale), sorted.
  [[nodiscard]] std::vector<node_layout> observed_layouts(const std::string& gpu_type) const {
    std::set<node_layout> out;
    for (const auto& [key, c] : cells_)
      if (key.gpu_type == gpu_type) out.insert(key.layout);
    return {out.begin(), out.end()};
  }

  [[nodiscard]] const std::vector<drift_alarm>& alarms() const noexcept { return alarms_; }
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
  [[nodiscard]] std::size_t observed_cells() const noexcept { return cells_.size(); }
  [[nodiscard]] const Inner& inner() const noexcept { return *inner_; }

  [[nodiscard]] online_state state() const {
    online_state s;
    for (const auto& [key, c] : cells_)
      s.cells.push_back({key, {c.times.begin(), c.times.end()}, c.total, c.predicted_s, c.last_time_s, c.failed});
    s.stale_types.assign(stale_types_.begin(), stale_types_.end());
    s.alarms = alarms_;
    return s;
  }
  /// Restores what state() saved (the drift detectors start afresh).
  void restore(const online_state& s) {
    cells_.clear();
    for (const auto& r : s.cells) {
      cell c;
      c.times.assign(r.times_s.begin(), r.times_s.end());
      while (c.times.size() > opts_.window) c.times.pop_front();
      c.total = r.total;
      c.predicted_s = r.predicted_s;
      c.last_time_s = r.last_time_s;
      c.failed = r.failed;
      c.detector = cusum_detector(opts_.drift);
      cells_[key_of(r.key.model, r.key.global_batch, r.key.gpu_type, r.key.layout)] = std::move(c);
    }
    stale_types_ = {s.stale_types.begin(), s.stale_types.end()};
    alarms_ = s.alarms;
    type_detectors_.clear();
    changed();
  }

 private:
  struct cell {
    std::deque<double> times;
    std::size_t total = 0;
    double predicted_s = 0.0;
    double last_time_s = 0.0;
    bool failed = false;  ///< a job failed to run here
    cusum_detector detector{};
  };

  [[nodiscard]] static cell_key key_of(const std::string& model, std::int64_t batch, const std::string& type,
                                       node_layout layout) {
    std::sort(layout.begin(), layout.end(), std::greater<>());
    return {model, batch, type, std::move(layout)};
  }

  void changed() {
    ++version_;
    memo_.clear();
  }

  drift_alarm alarm(const char* scope, std::string key, const observation& o, double r, const std::string& what) const {
    drift_alarm a;
    a.scope = scope;
    a.key = std::move(key);
    a.gpu_type = o.gpu_type;
    a.time_s = o.time_s;
    a.residual = r;
    const double pct = 100.0 * (std::exp(r) - 1.0);
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s run %.0f %% %s than learnt (job %s)", what.c_str(), std::fabs(pct),
                  pct > 0 ? "slower" : "faster", o.job_id.c_str());
    a.reason = buf;
    return a;
  }

  /// Confidence of n observations with the given spread (median absolute deviation / median).
  [[nodiscard]] static double confidence_of(const std::vector<double>& values) {
    if (values.empty()) return 0.0;
    const double med = adapt_detail::median(values);
    std::vector<double> dev;
    for (double v : values) dev.push_back(std::fabs(v - med));
    const double spread = med > 0 ? std::min(1.0, adapt_detail::median(dev) / med) : 1.0;
    const double n = static_cast<double>(values.size());
    return (1.0 - 1.0 / (n + 1.0)) * (1.0 - spread);
  }

  [[nodiscard]] online_answer compute(const job& j, const cell_key& k) const {
    online_answer out;
    out.answer = inner_->query(j, k.gpu_type, k.layout);
    out.basis = "the inner oracle";
    if (cells_.empty()) return out;
    if (auto it = cells_.find(k); it != cells_.end() && it->second.failed) {
      out.answer.feasible = false;
      out.answer.iter_time_s = 0.0;
      out.answer.samples_per_s = 0.0;
      out.answer.reason = "observed: a job failed to run in this Cell";
      out.source = provenance::observed;
      out.observations = it->second.total;
      out.confidence = 1.0 - 1.0 / (static_cast<double>(it->second.total) + 1.0);
      out.basis = "this Cell";
      return out;
    }
    if (auto it = cells_.find(k); it != cells_.end() && !it->second.times.empty()) {
      const std::vector<double> times(it->second.times.begin(), it->second.times.end());
      set_time(out.answer, adapt_detail::median(times));
      out.source = provenance::observed;
      out.observations = times.size();
      out.confidence = confidence_of(times);
      out.basis = "this Cell";
      return out;
    }
    if (!out.answer.feasible || !(out.answer.iter_time_s > 0)) return out;  // nothing to scale
    // Ratios observed / predicted of similar Cells, level by level.
    const std::string family = model_family(k.model);
    std::vector<double> level[3];
    for (const auto& [key, c] : cells_) {
      if (c.times.empty() || !(c.predicted_s > 0)) continue;
      const double ratio = adapt_detail::median({c.times.begin(), c.times.end()}) / c.predicted_s;
      const bool same_job = key.model == k.model && key.global_batch == k.global_batch;
      if (same_job && key.gpu_type == k.gpu_type)
        level[0].push_back(ratio);
      else if (same_job)
        level[1].push_back(ratio);
      else if (key.gpu_type == k.gpu_type && model_family(key.model) == family)
        level[2].push_back(ratio);
    }
    const char* basis[3] = {"the same job on this GPU type", "the same job on other GPU types",
                            "the same model family on this GPU type"};
    for (int l = 0; l < 3; ++l) {
      if (level[l].empty()) continue;
      set_time(out.answer, out.answer.iter_time_s * adapt_detail::median(level[l]));
      out.source = provenance::inferred;
      out.observations = level[l].size();
      out.confidence = 0.5 * confidence_of(level[l]);
      out.basis = basis[l];
      return out;
    }
    return out;
  }

  static void set_time(perf_answer& a, double t) {
    a.feasible = true;
    a.iter_time_s = t;
    a.samples_per_s = 0.0;  // derived from the corrected time
    a.reason.clear();
  }

  const Inner* inner_;
  online_options opts_;
  std::map<cell_key, cell> cells_;
  std::map<std::string, cusum_detector> type_detectors_;
  std::set<std::string> stale_types_;
  std::vector<drift_alarm> alarms_;
  std::uint64_t version_ = 0;
  mutable std::map<cell_key, online_answer> memo_;
};

}  // namespace cellsched
