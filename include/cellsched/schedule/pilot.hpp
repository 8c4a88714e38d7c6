#pragma once
// Pilot mode (docs/closed-loop.md): one policy manages only the jobs a selector picks, the host's policy
// every other job, on one cluster with no GPU double-booked. pilot_policy is itself a policy, so a host
// scheduler and the simulator run it like any other.
//
// The sharing rule, each round:
//  1. Each side sees only its own jobs; GPUs held by the other side's jobs are busy to it.
//  2. Optionally the pilot is guaranteed a budget of GPUs per type (`reserved_gpus`): the host's view
//     also marks free GPUs of that type busy until the pilot's jobs plus the hidden GPUs make up the
//     budget (hidden from the last nodes of the type first). Without a budget the pilot gets only what
//     the host leaves free.
//  3. The host decides first. The pilot then sees the cluster as the host's decision leaves it (GPUs the
//     host frees are free, GPUs it takes are busy) and decides.
//  4. The two decisions are merged; they touch disjoint jobs and, by 1-3, disjoint GPUs.
// Events go to the side of the job they name (node events to both). A job stays on its side for life:
// the selector reads the job's own fields only.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/error.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/decision_compare.hpp"
#include "cellsched/schedule/job_selector.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched {

struct pilot_options {
  job_selector selects;                      ///< the jobs the pilot manages
  std::map<std::string, int> reserved_gpus;  ///< per GPU type: the pilot's guaranteed budget (rule 2)
  std::optional<cost_options> host_costs;    ///< the re-tuning costs each side sees (default: the snapshot's)
  std::optional<cost_options> pilot_costs;
};

template <class Host, class Pilot>
class pilot_policy {
 public:
  pilot_policy(Host host, Pilot pilot, pilot_options opts)
      : host_(std::move(host)), pilot_(std::move(pilot)), opts_(std::move(opts)) {}

  [[nodiscard]] std::string name() const { return std::string(pilot_.name()) + "+" + std::string(host_.name()); }
  [[nodiscard]] const pilot_options& options() const noexcept { return opts_; }
  [[nodiscard]] bool is_pilot(const job& j) const { return opts_.selects.matches(j); }
  [[nodiscard]] Host& host() noexcept { return host_; }
  [[nodiscard]] Pilot& pilot() noexcept { return pilot_; }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    snapshot<Oracle> hs = frame(s, opts_.host_costs);
    snapshot<Oracle> ps = frame(s, opts_.pilot_costs);
    std::unordered_map<std::string, bool> current;
    for (const auto& js : s.jobs) {
      const bool p = is_pilot(*js.spec);
      current.emplace(js.spec->id, p);
      (p ? ps : hs).jobs.push_back(js);
    }
    for (const auto& e : s.events) {
      const bool* pilot_side = nullptr;
      if (const auto c = current.find(e.job_id); c != current.end())
        pilot_side = &c->second;
      else if (const auto p = side_.find(e.job_id); p != side_.end())  // departed since the last call
        pilot_side = &p->second;
      if (e.job_id.empty() || pilot_side == nullptr) {
        // Node events; a job this object never saw (a host restarted without its state): both hear of it.
        hs.events.push_back(e);
        ps.events.push_back(e);
        continue;
      }
      (*pilot_side ? ps : hs).events.push_back(e);
    }
    side_ = std::move(current);
    reserve_for_pilot(hs, ps);
    decision hd = host_.decide(hs);
    check_side(hs, hd, "host");
    leave_as_host_decided(ps, hs, hd);
    decision pd = pilot_.decide(ps);
    check_side(ps, pd, "pilot");
    for (auto& p : pd.run) hd.run.push_back(std::move(p));
    for (auto& id : pd.preempt) hd.preempt.push_back(std::move(id));
    for (auto& dj : pd.dropped) hd.dropped.push_back(std::move(dj));
    return hd;
  }

  [[nodiscard]] nlohmann::json save_state() const
  requires restartable_policy<Host> && restartable_policy<Pilot>
  {
    nlohmann::json sides = nlohmann::json::object();
    for (const auto& [id, p] : side_) sides[id] = p;
    return {{"policy", name()}, {"host", host_.save_state()}, {"pilot", pilot_.save_state()}, {"sides", sides}};
  }
  void load_state(const nlohmann::json& j, const cluster& c)
  requires restartable_policy<Host> && restartable_policy<Pilot>
  {
    policy_state_detail::expect_policy(j, name());
    host_.load_state(policy_state_detail::get<nlohmann::json>(j, "host", name()), c);
    pilot_.load_state(policy_state_detail::get<nlohmann::json>(j, "pilot", name()), c);
    side_ = policy_state_detail::get<std::unordered_map<std::string, bool>>(j, "sides", name());
  }

 private:
  template <class Oracle>
  static snapshot<Oracle> frame(const snapshot<Oracle>& s, const std::optional<cost_options>& costs) {
    snapshot<Oracle> f;
    f.now_s = s.now_s;
    f.topology = s.topology;
    f.nodes = s.nodes;
    f.oracle = s.oracle;
    f.costs = costs ? *costs : s.costs;
    f.seed = s.seed;
    return f;
  }

  /// Each side's decision must fit its own view (rule 4 relies on it): a policy that takes GPUs busy to it
  /// would double-book the other side's.
  template <class Oracle, class P = Host>
  void check_side(const snapshot<Oracle>& view, const decision& d, const char* side) const {
    const std::vector<std::string> c = conflicts_of(view, d);
    if (c.empty()) return;
    std::string msg = std::string("pilot mode: the ") + side + " policy " +
                      (std::string(side) == "host" ? std::string(host_.name()) : std::string(pilot_.name())) +
                      " decided outside its share of the cluster:";
    for (const auto& e : c) msg.append("\n  ").append(e);
    throw internal_error(msg);
  }

  static void set_busy(std::vector<node_status>& nodes, const cluster& topo, gpu_id g, bool busy) {
    const node& n = topo.node_at(topo.node_of(g));
    nodes.at(static_cast<std::size_t>(n.id)).gpu_busy.at(static_cast<std::size_t>(g - n.first_gpu)) = busy;
  }

  /// Rule 2: hides free GPUs of each reserved type from the host until the pilot's budget is met.
  template <class Oracle>
  void reserve_for_pilot(snapshot<Oracle>& hs, const snapshot<Oracle>& ps) const {
    const cluster& topo = *hs.topology;
    for (const auto& [type, budget] : opts_.reserved_gpus) {
      int need = budget;
      for (const auto& js : ps.jobs)
        if (js.state == job_state::running && js.alloc && js.alloc->gpu_type == type) need -= js.alloc->num_gpus();
      const auto& nodes = topo.nodes();
      for (auto it = nodes.rbegin(); it != nodes.rend() && need > 0; ++it) {
        if (it->gpu_type != type) continue;
        node_status& ns = hs.nodes.at(static_cast<std::size_t>(it->id));
        if (!ns.up) continue;
        for (std::size_t l = 0; l < ns.gpu_busy.size() && need > 0; ++l) {
          if (ns.gpu_busy[l]) continue;
          ns.gpu_busy[l] = true;
          --need;
        }
      }
    }
  }

  /// Rule 3: the pilot's view of the GPUs after the host's decision.
  template <class Oracle>
  static void leave_as_host_decided(snapshot<Oracle>& ps, const snapshot<Oracle>& hs, const decision& hd) {
    const cluster& topo = *ps.topology;
    std::unordered_map<std::string, const job_status*> host_jobs;
    for (const auto& js : hs.jobs) host_jobs.emplace(js.spec->id, &js);
    auto release = [&](const std::string& id) {
      const auto it = host_jobs.find(id);
      if (it == host_jobs.end() || it->second->state != job_state::running || !it->second->alloc) return;
      for (gpu_id g : it->second->alloc->gpus) set_busy(ps.nodes, topo, g, false);
    };
    for (const auto& dj : hd.dropped) release(dj.job_id);
    for (const auto& id : hd.preempt) release(id);
    for (const auto& p : hd.run) release(p.job_id);
    for (const auto& p : hd.run)
      for (gpu_id g : p.alloc.gpus)
        if (g >= 0 && g < topo.total_gpus()) set_busy(ps.nodes, topo, g, true);
  }

  Host host_;
  Pilot pilot_;
  pilot_options opts_;
  std::unordered_map<std::string, bool> side_;  ///< the last snapshot's jobs -> pilot side (routes departures)
};

}  // namespace cellsched
