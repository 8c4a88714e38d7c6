#pragma once
// A small, fully specified estimator for the search tests. Its structure mirrors an analytic estimator
// (per-layer compute with a micro-batch efficiency curve, TP all-reduces on the link the group crosses,
// DP gradient sync, optimizer step, 1F1B/GPipe pipeline formula, memory with in-flight micro-batches) and
// its constants are drawn at random per test case. The real-run options trade time for memory as in the
// analytic estimator: selective recomputation, sequence parallelism (an extra collective start-up per
// all-reduce, less element-wise time and the shared activations divided by tp), overlapped gradient reduction (hidden behind the
// last backward but a minimum share) and interleaved 1F1B (fill and drain divided by v, v times the
// transfers, more activations in flight). It meets every requirement of search/options.hpp by
// construction (R-gp only without the extra 1F1B cost) and declares so; tests/search checks it.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <cellsched/cell/cell.hpp>
#include <cellsched/cell/placement.hpp>
#include <cellsched/estimate/concepts.hpp>
#include <cellsched/model/model.hpp>
#include <cellsched/search/plan_space.hpp>

namespace toy {

struct gpu {
  double flops_per_s = 1e12;
  double mem_bytes = 1e9;
  double intra_bw = 1e11;  // bytes/s
  double inter_bw = 1e10;
};

struct toy_estimator {
  std::map<std::string, gpu> gpus;
  double eff_half_samples = 2.0;  // micro-batch size at which GEMMs reach half efficiency
  double overhead_per_layer_s = 1e-4;
  double p2p_latency_s = 5e-5;
  double comm_latency_s = 2e-5;
  double one_f_one_b_extra_s = 0.0;     // per micro-batch scheduling overhead of 1F1B (lets GPipe win sometimes)
  double zero1_extra_s = 0.0;           // extra collective latency of reduce-scatter + all-gather
  double bytes_per_param_state = 16.0;  // fp16 weights + grads + fp32 Adam (2 + 2 + 12)
  bool allow_tp_across_nodes = false;

  [[nodiscard]] cellsched::estimator_guarantees guarantees() const noexcept {
    cellsched::estimator_guarantees g = cellsched::estimator_guarantees::all();
    g.gpipe_never_faster = one_f_one_b_extra_s == 0.0;
    return g;
  }

  [[nodiscard]] cellsched::estimate_result estimate(const cellsched::model& m, const cellsched::cell& c,
                                                    const cellsched::plan& p) const {
    using namespace cellsched;
    estimate_result r;
    r.calibration = "toy";
    const std::string err = placement_error(c, p, allow_tp_across_nodes);
    if (!err.empty()) {
      r.fits = false;
      r.infeasible_reason = err;
      return r;
    }
    const auto place = place_stages(c, p);
    const double mbs = static_cast<double>(p.micro_batch_samples);
    const double nmb = static_cast<double>(p.num_micro_batches);
    const int stages = static_cast<int>(p.stages.size());
    double max_stage = 0.0, sum_stage = 0.0, max_sync = 0.0, max_opt = 0.0, sum_p2p = 0.0, max_f = 0.0, max_b = 0.0;
    for (int s = 0; s < stages; ++s) {
      const stage_plan& st = p.stages[static_cast<std::size_t>(s)];
      const gpu& g = gpus.at(c.stage_gpu_type(s));
      const auto& pl = place[static_cast<std::size_t>(s)];
      const double b = mbs / st.dp;  // samples per replica
      const double eff = b / (b + eff_half_samples);
      double fwd = 0.0, params = 0.0, act = 0.0, ckpt = 0.0, work = 0.0, tp_bytes = 0.0;
      for (int l = st.first_layer; l < st.end_layer; ++l) {
        const layer& ly = m.layers[static_cast<std::size_t>(l)];
        if (!cellsched::layer_allows_tp(ly, st.tp)) r.infeasible_reason = "tp not allowed by a layer";
        const bool sp = p.sequence_parallel && st.tp > 1;
        // Sequence parallelism splits the element-wise work (here: part of the per-layer overhead) over tp.
        fwd += ly.fwd_flops_per_sample() * b / (g.flops_per_s * st.tp * eff) +
               overhead_per_layer_s * (sp ? 0.6 : 1.0);
        params += ly.params;
        const bool selective = p.selective_recompute && !p.recompute;
        const double act_l = ly.activation_bytes_per_sample / (sp ? st.tp : 1) +
                             ly.activation_bytes_per_sample_tp_split / st.tp * (selective ? 0.7 : 1.0);
        act += act_l;
        // Recomputation keeps each layer's input (a part of its activations) and rebuilds the rest one
        // layer at a time, so it never needs more than keeping everything.
        ckpt += std::min(act_l, ly.boundary_bytes_per_sample);
        work = std::max(work, act_l - std::min(act_l, ly.boundary_bytes_per_sample));
        tp_bytes += ly.tp_allreduce_bytes_per_sample * ly.tp_allreduces_fwd;
      }
      const double tp_bw = pl.tp_spans_nodes ? g.inter_bw : g.intra_bw;
      const double tp_comm =
          st.tp > 1 ? tp_bytes * b * 2.0 * (st.tp - 1) / st.tp / tp_bw +
                          comm_latency_s * (p.sequence_parallel ? 2.0 : 1.0)
                    : 0.0;
      stage_estimate se;
      se.fwd_s = fwd + tp_comm;
      se.bwd_s = 2.0 * fwd + tp_comm + (p.recompute ? fwd + tp_comm : 0.0) +
                 (p.selective_recompute && !p.recompute ? 0.3 * fwd : 0.0);
      const double dp_bw = pl.dp_spans_nodes ? g.inter_bw : g.intra_bw;
      se.dp_sync_s = st.dp > 1 ? 2.0 * params / st.tp * 2.0 * (st.dp - 1) / st.dp / dp_bw + comm_latency_s +
                                     (p.zero1 ? zero1_extra_s : 0.0)
                               : 0.0;
      const double opt = params / st.tp * 16.0 / (p.zero1 ? st.dp : 1) / (g.intra_bw * 10.0);
      const double boundary =
          st.end_layer > 0 ? m.layers[static_cast<std::size_t>(st.end_layer - 1)].boundary_bytes_per_sample : 0.0;
      se.p2p_s = s + 1 < stages ? boundary * b / (pl.p2p_crosses_nodes ? g.inter_bw : g.intra_bw) + p2p_latency_s : 0.0;
      const double v = static_cast<double>(std::max(p.virtual_stages, 1));
      const double in_flight = p.schedule == pipeline_schedule::gpipe
                                   ? nmb
                                   : std::min<double>(stages - s, nmb) * (1.0 + (v - 1.0) / (v * stages));
      se.weights_bytes = params / st.tp * 2.0;
      se.grads_bytes = params / st.tp * 2.0;
      se.optimizer_bytes = params / st.tp * (bytes_per_param_state - 4.0) / (p.zero1 ? st.dp : 1);
      se.activation_bytes = p.recompute ? in_flight * b * ckpt + b * work : in_flight * b * act;
      se.peak_mem_bytes = se.weights_bytes + se.grads_bytes + se.optimizer_bytes + se.activation_bytes;
      se.fits = se.peak_mem_bytes <= g.mem_bytes;
      r.fits = r.fits && se.fits;
      const double t = se.fwd_s + se.bwd_s + (p.schedule == pipeline_schedule::one_f_one_b ? one_f_one_b_extra_s : 0.0);
      max_stage = std::max(max_stage, t);
      max_f = std::max(max_f, se.fwd_s);
      max_b = std::max(max_b, se.bwd_s);
      sum_stage += t;
      sum_p2p += 2.0 * se.p2p_s * v;
      // Overlapped: the reduction runs during the last backward; a tenth of it (the last bucket) stays exposed.
      max_sync = std::max(max_sync, p.overlap_grad_reduce ? std::max(0.1 * se.dp_sync_s, se.dp_sync_s - se.bwd_s)
                                                          : se.dp_sync_s);
      max_opt = std::max(max_opt, opt);
      r.stages.push_back(se);
    }
    // GPipe paces forwards and backwards separately (>= the 1F1B steady state, as in estimate/pipeline.hpp).
    if (p.schedule == pipeline_schedule::gpipe) max_stage = max_f + max_b;
    // Interleaved 1F1B: (m - 1/v) steady steps, the fill and drain divided by v.
    const double v = p.schedule == pipeline_schedule::gpipe ? 1.0 : static_cast<double>(std::max(p.virtual_stages, 1));
    r.breakdown.compute_s = (nmb - 1.0 / v) * max_stage;
    r.breakdown.bubble_s = sum_stage / v;
    r.breakdown.pp_comm_s = sum_p2p;
    r.breakdown.dp_comm_s = max_sync;
    r.breakdown.optimizer_s = max_opt;
    r.iter_time_s = (nmb - 1.0 / v) * max_stage + sum_stage / v + sum_p2p + max_sync + max_opt;
    return r;
  }
};
static_assert(cellsched::estimator<toy_estimator>);

/// A toy estimator with random constants for types "fast" and "slow".
[[nodiscard]] inline toy_estimator random_estimator(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  toy_estimator e;
  gpu fast{2e12 * (1.0 + u(rng)), 4e8 * (1.0 + 4.0 * u(rng)), 2e11, 2e10 * (0.2 + u(rng))};
  gpu slow{0.6e12 * (1.0 + u(rng)), 3e8 * (1.0 + 4.0 * u(rng)), 5e10, 1e10 * (0.2 + u(rng))};
  e.gpus["fast"] = fast;
  e.gpus["slow"] = slow;
  e.eff_half_samples = 0.5 + 4.0 * u(rng);
  e.overhead_per_layer_s = 1e-4 * u(rng);
  e.p2p_latency_s = 1e-4 * u(rng);
  e.comm_latency_s = 1e-4 * u(rng);
  e.one_f_one_b_extra_s = u(rng) < 0.3 ? 5e-3 * u(rng) : 0.0;
  e.zero1_extra_s = 1e-3 * u(rng);
  return e;
}

/// A random layer-list model with `layers` layers of uneven size.
[[nodiscard]] inline cellsched::model random_model(std::mt19937_64& rng, int layers) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  cellsched::model m;
  m.name = "toy";
  for (int l = 0; l < layers; ++l) {
    cellsched::layer ly;
    ly.name = std::to_string(l);  // ("l" + to_string trips GCC 12's -Wrestrict false positive)
    cellsched::gemm_shape g;
    g.rows_per_sample = 64;
    g.n = 256 + static_cast<std::int64_t>(1024 * u(rng));
    g.k = 256 + static_cast<std::int64_t>(1024 * u(rng));
    g.count = 1.0 + std::floor(4.0 * u(rng));
    ly.gemms.push_back(g);
    ly.params = 1e6 * (1.0 + 20.0 * u(rng));
    ly.activation_bytes_per_sample = 1e6 * (1.0 + 4.0 * u(rng));
    ly.activation_bytes_per_sample_tp_split = 4e6 * (1.0 + 4.0 * u(rng));
    ly.boundary_bytes_per_sample = 1e5 * (1.0 + u(rng));
    ly.tp_allreduces_fwd = 2;
    ly.tp_allreduce_bytes_per_sample = 1e5 * (1.0 + u(rng));
    const int caps[] = {1, 2, 4, 6, 8, 12};
    ly.max_tp = caps[static_cast<std::size_t>(u(rng) * 5.999)];
    m.layers.push_back(ly);
  }
  return m;
}

}  // namespace toy
