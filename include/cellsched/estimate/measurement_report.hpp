#pragma once
// Predicting a published measurement table row by row and summarising the accuracy: median and 90th
// percentile absolute relative error, and per (model, GPU count, global batch) group whether the plan
// predicted fastest is the measured fastest.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/software_stack.hpp"
#include "cellsched/model/transformer.hpp"
#include "cellsched/model/zoo.hpp"

namespace cellsched {

/// Conditions the table was measured under (vTrain's own configuration: A100, 8 per node, Megatron-style
/// GPT, vocabulary 50,257, fp16 mixed precision, full activation recomputation, 1F1B, no ZeRO).
struct measurement_setup {
  std::string gpu_type = "a100-80gb";
  int gpus_per_node = 8;
  std::int64_t vocab = 50257;
  /// Megatron-LM pads the vocabulary to a multiple of this x tp (--make-vocab-size-divisible-by 128).
  std::int64_t vocab_divisible_by = 128;
  dtype compute_dtype = dtype::fp16;
  pipeline_schedule schedule = pipeline_schedule::one_f_one_b;
  bool recompute = true;
  bool zero1 = false;
  std::string software;  ///< a named software stack (estimate/software_stack.hpp); empty = the estimator's
};

/// The setup a row runs under: its optional columns (measurements.hpp) replace the table's defaults.
[[nodiscard]] inline measurement_setup row_setup(const measurement_row& r, measurement_setup s) {
  if (!r.gpu_type.empty()) s.gpu_type = r.gpu_type;
  if (r.gpus_per_node > 0) s.gpus_per_node = static_cast<int>(std::min<std::int64_t>(r.gpus_per_node, 1 << 20));
  if (r.vocab > 0) s.vocab = r.vocab;
  if (r.dtype == "fp16") s.compute_dtype = dtype::fp16;
  if (r.dtype == "bf16") s.compute_dtype = dtype::bf16;
  if (r.dtype == "fp8") s.compute_dtype = dtype::fp8;
  if (!r.recompute.empty()) s.recompute = r.recompute == "full";
  if (!r.software.empty()) s.software = r.software;
  return s;
}

/// What the estimator sees for one row, or why the row cannot be represented.
struct measurement_case {
  model m;
  cell c;
  plan p;
  std::string software;  ///< the software stack the row ran on; empty = the estimator's own
  std::string reason;    ///< non-empty: the row is not representable
};

/// A repeated transformer block (dense or mixture-of-experts), as the model builders name them.
[[nodiscard]] inline bool is_transformer_block(const layer& l) noexcept {
  return l.kind == "transformer" || l.kind == "moe_transformer";
}

/// Megatron-LM's stage split: the transformer blocks evenly, the embedding with the first stage and the
/// head with the last.
[[nodiscard]] inline std::vector<stage_plan> megatron_even_stages(const model& m, int pp, int dp, int tp) {
  int first_block = 0, end_block = m.num_layers();
  while (first_block < end_block && !is_transformer_block(m.layers[static_cast<std::size_t>(first_block)]))
    ++first_block;
  while (end_block > first_block && !is_transformer_block(m.layers[static_cast<std::size_t>(end_block - 1)]))
    --end_block;
  const int blocks = end_block - first_block;
  std::vector<stage_plan> out;
  for (int s = 0; s < pp; ++s) {
    stage_plan st;
    st.first_layer = s == 0 ? 0 : first_block + blocks * s / pp;
    st.end_layer = s == pp - 1 ? m.num_layers() : first_block + blocks * (s + 1) / pp;
    st.dp = dp;
    st.tp = tp;
    out.push_back(st);
  }
  return out;
}

/// Even split of the layers into `pp` stages: Megatron-LM's rule when the model has repeated transformer
/// blocks (dense or MoE; blocks evenly, leading layers with the first stage, trailing ones with the last),
/// by layer count otherwise. The plan search (search/) balances by estimated time instead.
[[nodiscard]] inline std::vector<stage_plan> even_stage_split(const model& m, int pp, int dp, int tp) {
  for (const auto& l : m.layers)
    if (is_transformer_block(l)) return megatron_even_stages(m, pp, dp, tp);
  std::vector<stage_plan> out;
  const int n = m.num_layers();
  for (int s = 0; s < pp; ++s) out.push_back({n * s / pp, n * (s + 1) / pp, dp, tp});
  return out;
}

inline constexpr std::int64_t max_measurement_layers = 100'000;
inline constexpr std::int64_t max_measurement_gpus = 1'048'576;
inline constexpr std::int64_t max_measurement_hidden = 1'048'576;
inline constexpr std::int64_t max_measurement_seq_len = 16'777'216;
inline constexpr std::int64_t max_measurement_batch = 1'000'000'000;

[[nodiscard]] inline measurement_case make_measurement_case(const measurement_row& r,
                                                          const measurement_setup& table_setup) {
  const measurement_setup s = row_setup(r, table_setup);
  measurement_case out;
  const auto fail = [&](std::string why) {
    out.reason = std::move(why);
    return out;
  };
  // Bounds far above any real run, so that a mistyped figure cannot make us build a model or a node
  // layout that does not fit in memory.
  if (r.layers > max_measurement_layers) return fail("# layers above " + std::to_string(max_measurement_layers));
  if (r.gpus > max_measurement_gpus) return fail("# GPUs above " + std::to_string(max_measurement_gpus));
  if (r.hidden > max_measurement_hidden) return fail("hidden size above " + std::to_string(max_measurement_hidden));
  if (r.seq_len > max_measurement_seq_len)
    return fail("sequence length above " + std::to_string(max_measurement_seq_len));
  if (r.global_batch > max_measurement_batch)
    return fail("global batch above " + std::to_string(max_measurement_batch));
  if (r.micro_batch > r.global_batch) return fail("micro batch above the global batch");
  if (r.tp > r.gpus || r.dp > r.gpus || r.pp > r.gpus || r.tp * r.dp * r.pp != r.gpus)
    return fail("tp x dp x pp != # GPUs");
  if (r.global_batch % (r.micro_batch * r.dp) != 0) return fail("global batch is not a multiple of micro batch x dp");
  if (r.layers % r.pp != 0) return fail("# layers is not a multiple of the pipeline stages (Megatron-LM requires it)");
  const std::int64_t chunks = std::max<std::int64_t>(r.virtual_stages, 1);
  if (chunks > 1 && (r.pp < 2 || r.layers % (r.pp * chunks) != 0))
    return fail("virtual stages need pipeline parallelism and # layers a multiple of pp x virtual stages");
  if (r.hidden % r.heads != 0) return fail("hidden size is not a multiple of the attention heads");
  if (r.heads % r.tp != 0) return fail("attention heads are not a multiple of tensor parallelism");
  if (r.gpus > s.gpus_per_node && r.gpus % s.gpus_per_node != 0)
    return fail("# GPUs does not fill whole nodes of " + std::to_string(s.gpus_per_node));
  const std::int64_t multiple = s.vocab_divisible_by * r.tp;
  transformer_config tc =
      gpt_config(r.hidden, r.layers, r.heads, r.seq_len, (s.vocab + multiple - 1) / multiple * multiple);
  tc.compute_dtype = s.compute_dtype;
  out.m = build_dense_transformer(tc);
  out.c.gpu_type = s.gpu_type;
  out.c.num_gpus = static_cast<int>(r.gpus);
  out.c.stages = static_cast<int>(r.pp);
  for (std::int64_t left = r.gpus; left > 0; left -= s.gpus_per_node)
    out.c.layout.push_back(static_cast<int>(std::min<std::int64_t>(left, s.gpus_per_node)));
  out.p.stages = megatron_even_stages(out.m, static_cast<int>(r.pp), static_cast<int>(r.dp), static_cast<int>(r.tp));
  out.p.micro_batch_samples = r.micro_batch * r.dp;
  out.p.num_micro_batches = r.global_batch / (r.micro_batch * r.dp);
  out.p.schedule = s.schedule;
  out.p.recompute = s.recompute;
  out.p.zero1 = s.zero1;
  out.p.selective_recompute = r.recompute == "selective";
  out.p.sequence_parallel = r.sequence_parallel == "yes";
  out.p.overlap_grad_reduce = r.overlap_grad_reduce == "yes";
  out.p.virtual_stages = static_cast<int>(chunks);
  out.software = s.software;
  return out;
}

struct measurement_prediction {
  measurement_row row;
  double measured_ms = 0.0;
  double predicted_ms = 0.0;  ///< 0 when not representable
  double rel_error = 0.0;     ///< (predicted - measured) / measured
  bool fits_in_memory = false;
  std::string reason;  ///< why the row was not predicted (empty when it was)
  std::string calibration;
  [[nodiscard]] bool predicted() const noexcept { return reason.empty(); }
};

/// An estimator that can answer for another software stack (analytic_estimator::with_software).
template <class E>
concept software_aware = requires(const E& e, const software_stack& s) {
  { e.with_software(s) } -> std::convertible_to<E>;
  { e.params().software.name } -> std::convertible_to<std::string>;
};

/// Rows that name a software stack are predicted by `est` switched to it where the estimator supports
/// that (software_aware); other estimators answer every row as they are.
template <estimator E>
[[nodiscard]] std::vector<measurement_prediction> predict_measurements(const E& est,
                                                                       const std::vector<measurement_row>& rows,
                                                                       const measurement_setup& setup = {}) {
  std::vector<measurement_prediction> out;
  out.reserve(rows.size());
  std::map<std::string, E> switched;  // one estimator per named stack the rows use
  const auto estimator_for = [&](const std::string& software) -> const E& {
    if constexpr (software_aware<E>) {
      const software_stack* s = software.empty() ? nullptr : find_software_stack(software);
      if (s && s->name != est.params().software.name) {
        auto it = switched.find(s->name);
        if (it == switched.end()) it = switched.emplace(s->name, est.with_software(*s)).first;
        return it->second;
      }
    }
    return est;
  };
  for (const auto& r : rows) {
    measurement_prediction p;
    p.row = r;
    p.measured_ms = r.iter_time_ms;
    measurement_case mc = make_measurement_case(r, setup);
    if (mc.reason.empty()) {
      const estimate_result e = estimator_for(mc.software).estimate(mc.m, mc.c, mc.p);
      if (!e.infeasible_reason.empty()) {
        p.reason = e.infeasible_reason;
      } else {
        p.predicted_ms = e.iter_time_s * 1e3;
        p.rel_error = (p.predicted_ms - p.measured_ms) / p.measured_ms;
        p.fits_in_memory = e.fits;
        p.calibration = e.calibration;
      }
    } else {
      p.reason = mc.reason;
    }
    out.push_back(std::move(p));
  }
  return out;
}

/// One (model, GPU count, global batch) group of a table.
struct measurement_group {
  std::string key;  ///< "h2048-l24-a16-s1024 gpus=8 batch=32"
  std::size_t rows = 0;
  std::size_t predicted_best = 0;  ///< index into the prediction list
  std::size_t measured_best = 0;
  double slowdown = 0.0;  ///< measured time of predicted-best / measured best - 1
  [[nodiscard]] bool same_best() const noexcept { return predicted_best == measured_best; }
};

struct measurement_summary {
  std::size_t rows = 0;
  std::size_t predicted_rows = 0;
  double median_abs_rel_error = 0.0;
  double p90_abs_rel_error = 0.0;
  double max_abs_rel_error = 0.0;
  double mean_abs_rel_error = 0.0;
  double mean_rel_error = 0.0;  ///< signed: > 0 when the estimator over-predicts on average
  std::vector<measurement_group> groups;
  std::size_t groups_same_best = 0;
  std::size_t groups_within_3pct = 0;  ///< measured time of the predicted best within 3 % of the best
  std::size_t groups_within_5pct = 0;  ///< ... within 5 %
};

/// The q-quantile (0..1) by linear interpolation between order statistics (numpy's default).
[[nodiscard]] inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// Summary over the rows whose index satisfies `use` (all by default; e.g. held-out odd lines).
template <class Use>
[[nodiscard]] measurement_summary summarize_measurements(const std::vector<measurement_prediction>& preds, Use use) {
  measurement_summary s;
  std::vector<double> errs;
  double signed_sum = 0.0;
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>,
           std::vector<std::size_t>>
      groups;
  for (std::size_t i = 0; i < preds.size(); ++i) {
    if (!use(i)) continue;
    ++s.rows;
    const auto& p = preds[i];
    if (!p.predicted()) continue;
    ++s.predicted_rows;
    errs.push_back(std::fabs(p.rel_error));
    signed_sum += p.rel_error;
    const auto& r = p.row;
    groups[{r.hidden, r.layers, r.heads, r.seq_len, r.gpus, r.global_batch}].push_back(i);
  }
  if (!errs.empty()) {
    s.median_abs_rel_error = quantile(errs, 0.5);
    s.p90_abs_rel_error = quantile(errs, 0.9);
    s.max_abs_rel_error = *std::max_element(errs.begin(), errs.end());
    double sum = 0.0;
    for (const double e : errs) sum += e;
    s.mean_abs_rel_error = sum / static_cast<double>(errs.size());
    s.mean_rel_error = signed_sum / static_cast<double>(errs.size());
  }
  for (const auto& [k, idx] : groups) {
    measurement_group g;
    // Built by appending: GCC 12 warns falsely (-Wrestrict, GCC bug 105329) on "literal" + std::string&&.
    g.key.append("h").append(std::to_string(std::get<0>(k)));
    g.key.append("-l").append(std::to_string(std::get<1>(k)));
    g.key.append("-a").append(std::to_string(std::get<2>(k)));
    g.key.append("-s").append(std::to_string(std::get<3>(k)));
    g.key.append(" gpus=").append(std::to_string(std::get<4>(k)));
    g.key.append(" batch=").append(std::to_string(std::get<5>(k)));
    g.rows = idx.size();
    g.predicted_best = g.measured_best = idx.front();
    for (const std::size_t i : idx) {
      if (preds[i].predicted_ms < preds[g.predicted_best].predicted_ms) g.predicted_best = i;
      if (preds[i].measured_ms < preds[g.measured_best].measured_ms) g.measured_best = i;
    }
    g.slowdown = preds[g.predicted_best].measured_ms / preds[g.measured_best].measured_ms - 1.0;
    s.groups_same_best += g.same_best() ? 1 : 0;
    s.groups_within_3pct += g.slowdown <= 0.03 ? 1 : 0;
    s.groups_within_5pct += g.slowdown <= 0.05 ? 1 : 0;
    s.groups.push_back(std::move(g));
  }
  return s;
}

[[nodiscard]] inline measurement_summary summarize_measurements(const std::vector<measurement_prediction>& preds) {
  return summarize_measurements(preds, [](std::size_t) { return true; });
}

}  // namespace cellsched
