#pragma once
// The default estimator: an analytic model of compute, communication and memory (docs/estimator.md),
// calibrated by probe profiles where one exists for the GPU type.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/analytic_params.hpp"
#include "cellsched/estimate/calibration.hpp"
#include "cellsched/estimate/comm.hpp"
#include "cellsched/estimate/compute.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/estimate/memory.hpp"
#include "cellsched/estimate/pipeline.hpp"
#include "cellsched/estimate/profile.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/estimate/stage_calibration.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

/// Per-micro-batch parts of one stage, kept apart so the result can say where the time goes.
struct stage_parts {
  double compute_s = 0.0;   ///< GEMMs + memory-bound kernels, forward + backward (+ recompute)
  double tp_comm_s = 0.0;   ///< tensor-parallel all-reduces
  double overhead_s = 0.0;  ///< what the fixed per-op costs add on top
  stage_time time;          ///< forward / backward as the pipeline sees them
};

class analytic_estimator {
 public:
  /// Default constants (or `params`), no probe calibration.
  explicit analytic_estimator(hardware_catalog catalog, analytic_params params = {})
      : catalog_(std::move(catalog)), params_(params) {}

  /// Constants `params`, calibrated by `profiles` where one exists for a GPU type. A template of the one
  /// profile type only so that the Eigen fits behind it are compiled where profiles are passed
  /// (estimate/calibration.hpp).
  template <std::same_as<probe_profile> Profile = probe_profile>
  analytic_estimator(hardware_catalog catalog, analytic_params params, const std::vector<Profile>& profiles)
      : analytic_estimator(std::move(catalog), params) {
    // Fit every profile once, for every dtype, so that estimate() stays const and thread-safe.
    for (const auto& prof : profiles) {
      const gpu_type* g = catalog_.find(prof.gpu_type);
      if (!g) continue;
      for (const dtype d : {dtype::fp32, dtype::tf32, dtype::fp16, dtype::bf16, dtype::fp8}) {
        calibrated_.push_back(calibrate(prof, d, g->peak_tflops(d)));
        calibrated_.back().gpu_type = g->name;
      }
    }
  }

  /// Default constants, calibrated by `profiles` where one exists for a GPU type.
  template <std::same_as<probe_profile> Profile = probe_profile>
  analytic_estimator(hardware_catalog catalog, const std::vector<Profile>& profiles)
      : analytic_estimator(std::move(catalog), analytic_params{}, profiles) {}

  [[nodiscard]] const analytic_params& params() const noexcept { return params_; }

  /// The same estimator (calibration, stage scales) for jobs running on another software stack.
  [[nodiscard]] analytic_estimator with_software(const software_stack& s) const {
    analytic_estimator e = *this;
    e.params_.software = s;
    return e;
  }

  /// Measured stage scales (estimate/stage_fit.hpp): a transformer stage whose shape is in the table has its
  /// forward and backward time multiplied by the measured scale; other stages stay analytic.
  void set_stage_calibration(stage_calibration c) { stage_cal_ = std::move(c); }
  [[nodiscard]] const stage_calibration& stage_cal() const noexcept { return stage_cal_; }

  /// What the plan search may assume (estimate/concepts.hpp; requirements in search/options.hpp), checked
  /// against this model's answers by tests/search/analytic_requirements.cpp:
  ///  * R-mem: ZeRO-1 only removes optimizer state; 1F1B keeps at most min(m, p - s) micro-batches'
  ///    activations in flight where GPipe keeps all m (estimate/memory.hpp). Stage scales change times only.
  ///  * R-gp: with the same stages, split and micro-batching, GPipe's time sum F + sum B + (m-1)(max F +
  ///    max B) is never below 1F1B's sum F + sum B + (m-1) max(F + B) (estimate/pipeline.hpp); every other
  ///    term does not depend on the schedule. A stage scale multiplies both schedules alike.
  ///  * R-rc and the micro-batch requirements (R-mb, R-lb, R-st, R-dp, R-mt) hold for the analytic formulas
  ///    but not for measured stage scales (fitted per recomputation setting and micro-batch size), so they
  ///    are declared only while no stage scale is set.
  [[nodiscard]] estimator_guarantees guarantees() const noexcept {
    estimator_guarantees g;
    g.memory_monotone = true;
    g.gpipe_never_faster = true;
    g.recompute_never_faster = stage_cal_.empty();
    g.micro_batch_bounds = stage_cal_.empty();
    return g;
  }
  [[nodiscard]] const hardware_catalog& catalog() const noexcept { return catalog_; }

  [[nodiscard]] estimate_result estimate(const model& m, const cell& c, const plan& p) const {
    estimate_result r;
    r.calibration = "analytic";
    if (std::string why = check_plan(m, c, p); !why.empty()) {
      r.infeasible_reason = std::move(why);
      r.fits = false;
      return r;
    }
    const int num_stages = static_cast<int>(p.stages.size());
    const std::vector<int> node_of = node_of_positions(c.layout.empty() ? node_layout{c.num_gpus} : c.layout);
    std::vector<stage_time> times;
    std::vector<stage_parts> parts;
    std::vector<double> p2p;
    std::vector<std::string> sources;
    double dp_sync = 0.0, optimizer = 0.0;
    std::vector<double> syncs, last_buckets;
    bool used_stage_cal = false;
    int first_pos = 0;
    for (int s = 0; s < num_stages; ++s) {
      const stage_plan& st = p.stages[static_cast<std::size_t>(s)];
      const gpu_type& gpu = *catalog_.find(c.stage_gpu_type(s));
      const stage_env env = environment(gpu, c, m.compute_dtype);
      if (!env.source.empty() && std::find(sources.begin(), sources.end(), env.source) == sources.end())
        sources.push_back(env.source);
      const stage_groups groups = place_stage_groups(node_of, first_pos, st.dp, st.tp);
      const double samples = static_cast<double>(p.micro_batch_samples) / static_cast<double>(st.dp);
      parts.push_back(stage_micro_batch(m, st, samples, p, env, groups));
      if (const stage_scale* sc = stage_scale_for(m, gpu, st, p)) {
        scale_parts(parts.back(), sc->factor);
        used_stage_cal = true;
      }
      times.push_back(parts.back().time);

      // Gradient synchronisation (reduce_gradients below). ZeRO-1 replaces the all-reduce by a
      // reduce-scatter of gradients and an all-gather of updated weights: same volume.
      double params_local = 0.0;
      for (int i = st.first_layer; i < st.end_layer; ++i) params_local += m.layers[static_cast<std::size_t>(i)].params;
      params_local /= static_cast<double>(st.tp);
      const param_bytes pb = adam_param_bytes(m.compute_dtype);
      const link_params dp_link = env.link_for(groups.dp, "all_reduce", st.dp);
      const double grad_bytes = params_local * pb.grads;
      const auto sync_of = [&](double bytes) {
        return p.zero1 ? collective_time_s(collective_kind::reduce_scatter, bytes, st.dp, dp_link) +
                             collective_time_s(collective_kind::all_gather, bytes, st.dp, dp_link)
                       : collective_time_s(collective_kind::all_reduce, bytes, st.dp, dp_link);
      };
      const double sync = sync_of(grad_bytes);
      syncs.push_back(sync);
      last_buckets.push_back(
          sync_of(std::min(grad_bytes, grad_bucket_params(params_.grad_bucket_params, st.dp) * pb.grads)));
      const double opt_params = params_local / (p.zero1 ? static_cast<double>(st.dp) : 1.0);
      optimizer = std::max(
          optimizer, params_.optimizer_efficiency *
                         memory_bound_time_s(opt_params * params_.optimizer_bytes_per_param, env.mem_bw_gb_per_s));

      // Memory.
      const stage_memory mem = estimate_stage_memory(m, st, p, s, num_stages);
      stage_estimate se;
      se.fwd_s = parts.back().time.fwd_s;
      se.bwd_s = parts.back().time.bwd_s;
      se.dp_sync_s = sync;
      se.weights_bytes = mem.weights_bytes;
      se.grads_bytes = mem.grads_bytes;
      se.optimizer_bytes = mem.optimizer_bytes;
      se.activation_bytes = mem.activation_bytes;
      se.peak_mem_bytes = mem.peak_bytes();
      se.fits = se.peak_mem_bytes <= gpu.mem_bytes() - params_.reserve.bytes(gpu.mem_bytes());
      r.fits = r.fits && se.fits;

      // Send of this stage's output to the next stage (one micro-batch of one replica), as Megatron-LM
      // does it (scatter/gather optimisation, Narayanan et al. SC'21 sec. 4.1): each of the tp ranks
      // sends 1/tp of the boundary tensor to its peer of the next stage, all tp x dp pairs at once, and
      // the receiving tensor-parallel group all-gathers the pieces over its own link. With sequence
      // parallelism the boundary tensor is already split along the sequence: no all-gather.
      if (s + 1 < num_stages) {
        const stage_plan& next = p.stages[static_cast<std::size_t>(s) + 1];
        const layer& last = m.layers[static_cast<std::size_t>(st.end_layer - 1)];
        const double boundary = last.boundary_bytes_per_sample * samples;
        const bool split = st.tp > 1 && st.tp == next.tp;
        const group_placement sends = place_boundary_sends(node_of, first_pos, st.gpus(), next.gpus());
        link_params l = env.link_for(sends, "send_recv", 2);
        l.latency_s = std::max(l.latency_s, params_.p2p_latency_s);
        se.p2p_s = collective_time_s(collective_kind::send_recv, split ? boundary / st.tp : boundary, 2, l);
        if (split && !p.sequence_parallel) {
          const stage_groups next_groups = place_stage_groups(node_of, first_pos + st.gpus(), next.dp, next.tp);
          se.p2p_s += collective_time_s(collective_kind::all_gather, boundary, next.tp,
                                        env.link_for(next_groups.tp, "all_gather", next.tp));
        }
        p2p.push_back(se.p2p_s);
      }
      r.stages.push_back(se);
      first_pos += st.gpus();
    }

    const pipeline_time pt = pipeline_iteration_time(times, p2p, p.num_micro_batches, p.schedule, p.virtual_stages);
    dp_sync = exposed_gradient_sync(syncs, last_buckets, times, p.overlap_grad_reduce, p.virtual_stages);
    const stage_parts& crit = parts[pt.critical_stage];
    const double mb = static_cast<double>(p.num_micro_batches);
    r.breakdown.compute_s = mb * crit.compute_s;
    r.breakdown.tp_comm_s = mb * crit.tp_comm_s;
    r.breakdown.overhead_s = mb * crit.overhead_s + params_.software.iteration_overhead_s;
    r.breakdown.pp_comm_s = pt.p2p_s;
    r.breakdown.bubble_s = pt.total_s - pt.busy_s - pt.p2p_s;
    r.breakdown.dp_comm_s = dp_sync;
    r.breakdown.optimizer_s = optimizer;
    r.iter_time_s = pt.total_s + dp_sync + optimizer + params_.software.iteration_overhead_s;
    for (const auto& src : sources) r.calibration += (r.calibration == "analytic" ? "+probe:" : ",") + src;
    if (used_stage_cal) r.calibration += "+stages:" + stage_cal_.source();
    return r;
  }

  /// Empty if the plan can be estimated on the Cell, else why not.
  [[nodiscard]] std::string check_plan(const model& m, const cell& c, const plan& p) const {
    if (p.stages.empty()) return "plan has no stages";
    if (p.micro_batch_samples < 1 || p.num_micro_batches < 1) return "micro-batch size and count must be positive";
    if (p.virtual_stages < 1) return "virtual stages must be at least 1";
    if (p.virtual_stages > 1 && p.schedule != pipeline_schedule::one_f_one_b)
      return "virtual stages need the 1F1B schedule (interleaved 1F1B)";
    if (static_cast<int>(p.stages.size()) != c.stages)
      return "plan has " + std::to_string(p.stages.size()) + " stages, the Cell " + std::to_string(c.stages);
    if (p.gpus() != c.num_gpus)
      return "plan uses " + std::to_string(p.gpus()) + " GPUs, the Cell has " + std::to_string(c.num_gpus);
    int layout_sum = 0;
    for (const int g : c.layout) layout_sum += g;
    if (!c.layout.empty() && layout_sum != c.num_gpus) return "Cell node layout does not add up to its GPU count";
    int next = 0;
    for (std::size_t s = 0; s < p.stages.size(); ++s) {
      const stage_plan& st = p.stages[s];
      if (st.first_layer != next || st.end_layer <= st.first_layer)
        return "stage " + std::to_string(s) + " does not continue the layer range";
      next = st.end_layer;
      if (st.dp < 1 || st.tp < 1) return "stage " + std::to_string(s) + " needs dp >= 1 and tp >= 1";
      if (p.micro_batch_samples % st.dp != 0)
        return "micro-batch of " + std::to_string(p.micro_batch_samples) +
               " samples does not split over dp=" + std::to_string(st.dp);
      for (int i = st.first_layer; i < st.end_layer && i < m.num_layers(); ++i) {
        const layer& l = m.layers[static_cast<std::size_t>(i)];
        if (st.tp > 1 && st.tp > l.max_tp)
          return "layer " + l.name + " supports tensor parallelism up to " + std::to_string(l.max_tp) + ", plan uses " +
                 std::to_string(st.tp);
      }
      const std::string& type = c.stage_gpu_type(static_cast<int>(s));
      const gpu_type* g = catalog_.find(type);
      if (!g) return "GPU type '" + type + "' is not in the catalog";
      if (g->peak_tflops(m.compute_dtype) <= 0.0) return "GPU type '" + type + "' has no peak throughput figure";
    }
    if (next != m.num_layers())
      return "stages cover " + std::to_string(next) + " of " + std::to_string(m.num_layers()) + " layers";
    return {};
  }

 private:
  /// The measured scale of a stage of transformer blocks (embedding and head layers ride along, as they
  /// did in the single-stage runs the scale was fitted on), or nullptr.
  [[nodiscard]] const stage_scale* stage_scale_for(const model& m, const gpu_type& gpu, const stage_plan& st,
                                                   const plan& p) const {
    if (stage_cal_.empty() || m.hidden <= 0 || st.dp < 1) return nullptr;
    return stage_cal_.find(stage_shape_of(m, gpu.name, st, p));
  }

  static void scale_parts(stage_parts& s, double factor) {
    s.compute_s *= factor;
    s.tp_comm_s *= factor;
    s.overhead_s *= factor;
    s.time.fwd_s *= factor;
    s.time.bwd_s *= factor;
  }

  /// What a stage's GPU type offers after calibration.
  struct stage_env {
    double peak_tflops = 0.0;
    double core_peak_tflops = 0.0;  ///< the attention core's GEMMs: 16-bit in fp8 training
    double element_bytes = 2.0;
    double mem_bw_gb_per_s = 0.0;
    gemm_curve curve;
    link_params intra;
    node_network inter;
    const gpu_calibration* cal = nullptr;
    std::string source;

    [[nodiscard]] link_params link_for(const group_placement& g, const std::string& op, int ranks) const {
      if (cal)
        if (const collective_fit* f = cal->find_collective(op, ranks, g.nodes)) return f->link;
      return select_link(g, intra, inter);
    }
  };

  [[nodiscard]] stage_env environment(const gpu_type& gpu, const cell& c, dtype type) const {
    stage_env e;
    e.peak_tflops = gpu.peak_tflops(type);
    e.core_peak_tflops = type == dtype::fp8 ? gpu.peak_tflops(dtype::bf16) : e.peak_tflops;
    e.element_bytes = bytes_per_element(type);
    e.mem_bw_gb_per_s = gpu.mem_bw_gb_per_s * params_.mem_bw_efficiency;
    e.curve = params_.gemm;
    const double intra_bw = c.intra_link_gb_per_s > 0 ? c.intra_link_gb_per_s : gpu.intra_link_gb_per_s;
    const double inter_bw = c.inter_node_gb_per_s > 0 ? c.inter_node_gb_per_s : gpu.inter_node_gb_per_s;
    e.intra = {params_.intra_latency_s, intra_bw * params_.intra_link_efficiency};
    e.inter = {{params_.inter_latency_s, inter_bw * params_.inter_link_efficiency}, std::max(gpu.nics_per_node, 1)};
    e.cal = calibration_for(gpu.name, type);
    if (e.cal) {
      e.source = e.cal->source;
      if (e.cal->gemm) e.curve = *e.cal->gemm;
      if (e.cal->mem_bw_gb_per_s) e.mem_bw_gb_per_s = *e.cal->mem_bw_gb_per_s;
    }
    e.curve.max_efficiency *= params_.sustained_compute_fraction;
    return e;
  }

  [[nodiscard]] const gpu_calibration* calibration_for(const std::string& gpu_name, dtype type) const {
    for (const auto& c : calibrated_)
      if (c.gpu_type == gpu_name && c.gemm_dtype == type) return &c;
    return nullptr;
  }

  /// One micro-batch of `samples` samples per replica through the stage's layers.
  [[nodiscard]] stage_parts stage_micro_batch(const model& m, const stage_plan& st, double samples, const plan& p,
                                              const stage_env& env, const stage_groups& groups) const {
    double gemm_f = 0, gemm_b = 0, mem_f = 0, mem_b = 0, other_f = 0, ops = 0, colls_f = 0, comm_f = 0;
    double comm_b = 0;                // the backward's exposed collectives (their conjugates of the forward ones)
    double core_f = 0, core_ops = 0;  // selective recomputation: the attention core's forward
    const bool selective = !p.recompute && p.selective_recompute;
    const bool seq_par = p.sequence_parallel && st.tp > 1;
    const link_params tp_link = env.link_for(groups.tp, "all_reduce", st.tp);
    // Megatron's fused softmax takes 16-bit scores of some shapes only; micro-batches are whole samples.
    // (Score batches counted in double: absurd sizes from a file must not overflow; beyond 2^50 the kernel's
    // rule is moot.)
    const double score_batches = std::round(samples) * static_cast<double>(m.heads / std::max(st.tp, 1));
    const bool unfused_softmax =
        params_.software.megatron_fused_softmax && !m.flash_attention && m.heads > 0 && m.seq_len > 0 &&
        m.compute_dtype != dtype::fp32 && m.compute_dtype != dtype::tf32 && score_batches < 0x1p50 &&
        !megatron_fused_softmax_available(static_cast<long long>(score_batches), m.seq_len, m.seq_len);
    // Then every layer with materialised scores pays the PyTorch fallback's extra traffic and ops
    // (estimate/software_stack.hpp); the same for each such layer.
    double unfused_fwd_s = 0.0, unfused_bwd_s = 0.0, unfused_ops = 0.0;
    if (unfused_softmax) {
      const double scores = samples * static_cast<double>(m.heads) / st.tp * static_cast<double>(m.seq_len) *
                            static_cast<double>(m.seq_len);
      unfused_fwd_s = memory_bound_time_s(unfused_softmax_extra_fwd_bytes * scores, env.mem_bw_gb_per_s);
      unfused_bwd_s = memory_bound_time_s(unfused_softmax_extra_bwd_bytes * scores, env.mem_bw_gb_per_s);
      unfused_ops = params_.software.unfused_softmax_ops;
    }
    for (int i = st.first_layer; i < st.end_layer; ++i) {
      const layer& l = m.layers[static_cast<std::size_t>(i)];
      layer_work w = compute_layer_work(l, samples, st.tp, env.peak_tflops, env.mem_bw_gb_per_s, env.element_bytes,
                                        env.curve, env.core_peak_tflops);
      if (seq_par) {
        // Sequence parallelism splits the remaining element-wise work (layer norms, dropouts) too.
        w.mem_fwd_s = memory_bound_time_s(l.mem_bound_bytes_per_sample * samples / st.tp, env.mem_bw_gb_per_s);
        w.mem_bwd_s = memory_bound_backward_factor * w.mem_fwd_s;
      }
      gemm_f += w.gemm_fwd_s;
      gemm_b += w.gemm_bwd_s;
      mem_f += w.mem_fwd_s;
      mem_b += w.mem_bwd_s;
      other_f += w.other_fwd_s;
      ops += static_cast<double>(l.gemms.size()) + 1.0;
      if (l.attention_core_mem_bytes_per_sample > 0.0) {  // materialised scores
        mem_f += unfused_fwd_s;
        mem_b += unfused_bwd_s;
        ops += unfused_ops;
      }
      if (selective) {
        for (const auto& g : l.gemms)
          if (is_attention_core(g)) {
            core_f += gemm_time_s(forward_dims(g, samples, st.tp), env.core_peak_tflops, env.mem_bw_gb_per_s,
                                  env.element_bytes, env.curve);
            core_ops += 1.0;
          }
        if (l.attention_core_mem_bytes_per_sample > 0.0) {
          core_f += memory_bound_time_s(l.attention_core_mem_bytes_per_sample * samples / st.tp, env.mem_bw_gb_per_s) +
                    unfused_fwd_s;
          core_ops += 1.0 + unfused_ops;
        }
      }
      if (st.tp > 1 && l.tp_allreduces_fwd > 0) {
        // With sequence parallelism each all-reduce becomes an all-gather and a reduce-scatter of the same
        // tensor (Korthikanti 2022 sec. 4.2.2): the same ring volume, one more start-up.
        const double bytes = l.tp_allreduce_bytes_per_sample * samples;
        colls_f += l.tp_allreduces_fwd * (seq_par ? 2 : 1);
        const double layer_comm =
            l.tp_allreduces_fwd * (seq_par
                                       ? collective_time_s(collective_kind::all_gather, bytes, st.tp, tp_link) +
                                             collective_time_s(collective_kind::reduce_scatter, bytes, st.tp, tp_link)
                                       : collective_time_s(collective_kind::all_reduce, bytes, st.tp, tp_link));
        comm_f += layer_comm;
        // With the asynchronous all-reduce each column-parallel GEMM's input-gradient all-reduce runs
        // while its weight-gradient GEMM computes: a layer hides at most the time of those GEMMs. Without
        // it all of them run in line.
        comm_b += params_.software.async_tp_backward ? std::max(0.0, layer_comm - w.column_weight_grad_s) : layer_comm;
      }
      // Expert-parallel all-to-all (MoE): dispatch and combine, over the tensor-parallel group, and their
      // conjugates in the backward (nothing to hide them under).
      if (st.tp > 1 && l.alltoall_bytes_per_sample > 0) {
        colls_f += 2;
        const double a2a =
            2 * collective_time_s(collective_kind::all_to_all, l.alltoall_bytes_per_sample * samples, st.tp, tp_link);
        comm_f += a2a;
        comm_b += a2a;
      }
    }
    // Backward: the two GEMM halves, 2x the element-wise traffic, the conjugate all-reduces
    // (Megatron's f/g operators: one backward all-reduce per forward one; what of them is exposed:
    // comm_b), twice the ops; recomputation repeats the forward first.
    const double rec = p.recompute ? 1.0 : 0.0;
    const double doublings = std::log2(static_cast<double>(st.tp));
    const software_stack& sw = params_.software;
    const auto pass = [&](double compute, double comm, double n_ops, double n_colls) {
      const double gpu = compute + comm + sw.gpu_per_op_s * n_ops + sw.device_sync_s * doublings * n_colls;
      const double cpu = sw.cpu_per_op_s * n_ops + sw.host_sync_s * doublings * n_colls;
      return std::max(gpu, cpu) + (1.0 - sw.host_device_overlap) * std::min(gpu, cpu);
    };
    stage_parts out;
    const double fwd_compute = gemm_f + mem_f + other_f;
    // Selective recomputation repeats only the attention core (no collective inside it).
    const double bwd_compute = gemm_b + mem_b + 2.0 * other_f + rec * fwd_compute + core_f;
    const double bwd_comm = comm_f * rec + comm_b;
    out.time.fwd_s = pass(fwd_compute, comm_f, ops, colls_f);
    out.time.bwd_s = pass(bwd_compute, bwd_comm, ops * (2.0 + rec) + core_ops, colls_f * (1.0 + rec));
    out.compute_s = fwd_compute + bwd_compute;
    out.tp_comm_s = comm_f + bwd_comm;
    out.overhead_s = out.time.fwd_s + out.time.bwd_s - out.compute_s - out.tp_comm_s;
    return out;
  }

  hardware_catalog catalog_;
  analytic_params params_;
  std::vector<gpu_calibration> calibrated_;  ///< one per (profile, dtype), fitted at construction
  stage_calibration stage_cal_;              ///< measured stage scales; empty: purely analytic stages
};

static_assert(estimator<analytic_estimator>);

}  // namespace cellsched
