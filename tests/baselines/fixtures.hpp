#pragma once
// A tiny table-backed oracle and a minimal host for the baseline tests: the host keeps job states,
// builds snapshots, and applies decisions after checking the invariants every host relies on.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <cellsched/hardware/cluster.hpp>
#include <cellsched/schedule/policy.hpp>

namespace test_baselines {

using namespace cellsched;

/// (model, GPU type, layout) -> iteration time; anything not listed is infeasible.
struct table_oracle {
  struct entry {
    double iter_time_s = 0;
    bool dp_memory_ok = true;
    double dp_samples_per_s = 0;  ///< perf_answer::dp_samples_per_s (0: none)
  };
  std::map<std::tuple<std::string, std::string, node_layout>, entry> table;

  void set(const std::string& model, const std::string& type, const node_layout& l, double t, bool dp_ok = true) {
    table[{model, type, l}] = {t, dp_ok};
  }
  [[nodiscard]] perf_answer query(const job& j, const std::string& type, const node_layout& l) const {
    perf_answer a;
    const auto it = table.find({j.model, type, l});
    if (it == table.end() || it->second.iter_time_s <= 0) {
      a.reason = "not in table";
      return a;
    }
    a.feasible = true;
    a.iter_time_s = it->second.iter_time_s;
    a.dp_memory_ok = it->second.dp_memory_ok;
    a.dp_samples_per_s = it->second.dp_samples_per_s;
    return a;
  }
};
static_assert(perf_oracle<table_oracle>);

/// Nodes of the given types: {type, nodes, gpus per node}.
struct node_group {
  std::string type;
  int count = 0;
  int gpus_per_node = 0;
};

inline cluster make_cluster(const std::vector<node_group>& groups) {
  cluster c("test", hardware_catalog{});
  for (const auto& g : groups) c.add_nodes(g.type, g.count, g.gpus_per_node);
  return c;
}

inline job make_job(const std::string& id, const std::string& model, double submit_s, const std::string& type = "",
                    int gpus = 0, std::int64_t iterations = 1000, std::int64_t batch = 8) {
  job j;
  j.id = id;
  j.model = model;
  j.global_batch = batch;
  j.iterations = iterations;
  j.submit_time_s = submit_s;
  if (!type.empty()) j.requested_gpu_type = type;
  j.requested_gpus = gpus;
  return j;
}

/// prefix + number (appending avoids a GCC 12 -Wrestrict false positive on "literal" + std::string).
inline std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class mini_host {
 public:
  mini_host(cluster c, table_oracle o) : topo_(std::move(c)), oracle_(std::move(o)) {
    up_.assign(topo_.nodes().size(), true);
  }

  void submit(const job& j) {
    specs_.push_back(j);
    job_status st;
    st.spec = &specs_.back();
    st.remaining_iterations = j.iterations;
    jobs_.push_back(st);
    events_.push_back({event_kind::arrival, j.id, -1});
  }
  /// Starts a job directly on the given GPUs (a state the host inherited).
  void run_on(const std::string& id, const std::string& type, std::vector<gpu_id> gpus) {
    job_status& st = status(id);
    st.state = job_state::running;
    allocation a;
    a.gpu_type = type;
    std::sort(gpus.begin(), gpus.end());
    a.gpus = gpus;
    a.layout = layout_of(gpus);
    st.alloc = a;
    // Inherited, not an arrival the policy must handle.
    events_.erase(std::remove_if(events_.begin(), events_.end(), [&](const event& e) { return e.job_id == id; }),
                  events_.end());
  }
  void finish(const std::string& id) {
    jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [&](const job_status& s) { return s.spec->id == id; }),
                jobs_.end());
    events_.push_back({event_kind::departure, id, -1});
  }
  void set_time(double t) { now_ = t; }
  /// Takes a node down (its jobs return to pending, as a host would do) or brings it back.
  void set_node_up(node_id n, bool up) {
    up_[static_cast<std::size_t>(n)] = up;
    if (!up)
      for (auto& js : jobs_)
        if (js.state == job_state::running && std::any_of(js.alloc->gpus.begin(), js.alloc->gpus.end(),
                                                          [&](gpu_id g) { return topo_.node_of(g) == n; })) {
          js.state = job_state::pending;
          js.alloc.reset();
          events_.push_back({event_kind::job_failure, js.spec->id, n});
        }
    events_.push_back({up ? event_kind::node_repair : event_kind::node_failure, "", n});
  }
  [[nodiscard]] std::vector<std::string> running_ids() const {
    std::vector<std::string> out;
    for (const auto& js : jobs_)
      if (js.state == job_state::running) out.push_back(js.spec->id);
    return out;
  }

  [[nodiscard]] snapshot<table_oracle> snap() {
    snapshot<table_oracle> s;
    s.now_s = now_;
    s.topology = &topo_;
    s.oracle = &oracle_;
    for (const node& n : topo_.nodes()) {
      node_status ns;
      ns.id = n.id;
      ns.up = up_[static_cast<std::size_t>(n.id)];
      ns.gpu_busy.assign(static_cast<std::size_t>(n.num_gpus), false);
      s.nodes.push_back(ns);
    }
    for (const auto& js : jobs_)
      if (js.state == job_state::running)
        for (gpu_id g : js.alloc->gpus) {
          const node& n = topo_.node_at(topo_.node_of(g));
          s.nodes[static_cast<std::size_t>(n.id)].gpu_busy[static_cast<std::size_t>(g - n.first_gpu)] = true;
        }
    s.jobs = jobs_;
    s.events = events_;
    events_.clear();
    return s;
  }

  /// Checks the decision (no GPU double-booked, GPUs exist on up nodes of the named type, layout matches)
  /// and applies it. Returns the first violation, or "" when it was applied.
  std::string apply(const decision& d) {
    std::map<std::string, allocation> next;
    for (const auto& js : jobs_)
      if (js.state == job_state::running) next[js.spec->id] = *js.alloc;
    for (const auto& id : d.preempt) {
      if (!next.count(id)) return "preempts " + id + " which is not running";
      next.erase(id);
    }
    for (const auto& p : d.run) {
      if (!has(p.job_id)) return "places unknown job " + p.job_id;
      if (p.alloc.gpus.empty()) return "places " + p.job_id + " on no GPU";
      for (gpu_id g : p.alloc.gpus) {
        if (g < 0 || g >= topo_.total_gpus()) return "GPU id out of range";
        const node& n = topo_.node_at(topo_.node_of(g));
        if (n.gpu_type != p.alloc.gpu_type) return p.job_id + " gets a " + n.gpu_type + " GPU as " + p.alloc.gpu_type;
        if (!up_[static_cast<std::size_t>(n.id)]) return p.job_id + " placed on a down node";
      }
      if (p.alloc.layout != layout_of(p.alloc.gpus)) return p.job_id + "'s layout does not match its GPUs";
      next[p.job_id] = p.alloc;
    }
    std::map<gpu_id, std::string> owner;
    for (const auto& [id, a] : next)
      for (gpu_id g : a.gpus)
        if (!owner.emplace(g, id).second)
          return "GPU " + std::to_string(g) + " double-booked by " + owner[g] + " and " + id;
    for (auto& js : jobs_) {
      const auto it = next.find(js.spec->id);
      if (it == next.end()) {
        js.state = job_state::pending;
        js.alloc.reset();
      } else {
        if (js.state != job_state::running || js.alloc->gpus != it->second.gpus) ++moves_[js.spec->id];
        js.state = job_state::running;
        js.alloc = it->second;
      }
    }
    for (const auto& dj : d.dropped) {
      dropped_.insert(dj.job_id);
      jobs_.erase(
          std::remove_if(jobs_.begin(), jobs_.end(), [&](const job_status& s) { return s.spec->id == dj.job_id; }),
          jobs_.end());
    }
    return "";
  }

  [[nodiscard]] bool has(const std::string& id) const {
    return std::any_of(jobs_.begin(), jobs_.end(), [&](const job_status& s) { return s.spec->id == id; });
  }
  job_status& status(const std::string& id) {
    for (auto& s : jobs_)
      if (s.spec->id == id) return s;
    throw std::out_of_range("no job " + id);
  }
  [[nodiscard]] bool running(const std::string& id) const {
    for (const auto& s : jobs_)
      if (s.spec->id == id) return s.state == job_state::running;
    return false;
  }
  [[nodiscard]] std::string type_of(const std::string& id) { return running(id) ? status(id).alloc->gpu_type : ""; }
  [[nodiscard]] int gpus_of(const std::string& id) { return running(id) ? status(id).alloc->num_gpus() : 0; }
  [[nodiscard]] bool dropped(const std::string& id) const { return dropped_.count(id) > 0; }
  [[nodiscard]] int moves(const std::string& id) const {
    const auto it = moves_.find(id);
    return it == moves_.end() ? 0 : it->second;
  }
  [[nodiscard]] const cluster& topology() const { return topo_; }
  [[nodiscard]] const table_oracle& oracle() const { return oracle_; }
  [[nodiscard]] int used_gpus(const std::string& type) {
    int n = 0;
    for (const auto& s : jobs_)
      if (s.state == job_state::running && s.alloc->gpu_type == type) n += s.alloc->num_gpus();
    return n;
  }

  /// Runs one decision and applies it; returns the violation or "".
  template <class Policy>
  std::string step(Policy& p) {
    return apply(p.decide(snap()));
  }

 private:
  [[nodiscard]] node_layout layout_of(const std::vector<gpu_id>& gpus) const {
    std::map<node_id, int> per;
    for (gpu_id g : gpus) ++per[topo_.node_of(g)];
    node_layout l;
    for (const auto& [n, c] : per) l.push_back(c);
    std::sort(l.rbegin(), l.rend());
    return l;
  }

  cluster topo_;
  table_oracle oracle_;
  std::deque<job> specs_;
  std::vector<job_status> jobs_;
  std::vector<event> events_;
  std::vector<bool> up_;
  std::map<std::string, int> moves_;
  std::set<std::string> dropped_;
  double now_ = 0.0;
};

}  // namespace test_baselines
