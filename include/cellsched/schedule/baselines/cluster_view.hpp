#pragma once
// A working copy of "which job holds which GPU" that a baseline policy edits while it decides, and the
// diff against the snapshot that becomes its decision. Trial placements copy the view and commit by
// assignment, so a plan that fails half-way leaves nothing behind.
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched::baselines {

class cluster_view {
 public:
  static constexpr int free_gpu = -1;
  static constexpr int blocked_gpu = -2;  ///< on a node that is down, or busy without an owner in the snapshot

  template <class Oracle>
  explicit cluster_view(const snapshot<Oracle>& s) : topo_(s.topology) {
    const int total = topo_->total_gpus();
    owner_.assign(static_cast<std::size_t>(total), free_gpu);
    before_.resize(s.jobs.size());
    held_.resize(s.jobs.size());
    job_ids_.reserve(s.jobs.size());
    for (std::size_t j = 0; j < s.jobs.size(); ++j) {
      job_ids_.push_back(s.jobs[j].spec ? s.jobs[j].spec->id : std::string());
      if (s.jobs[j].state != job_state::running || !s.jobs[j].alloc) continue;
      for (gpu_id g : s.jobs[j].alloc->gpus) {
        if (g < 0 || g >= total || owner_[static_cast<std::size_t>(g)] != free_gpu) continue;
        owner_[static_cast<std::size_t>(g)] = static_cast<int>(j);
        held_[j].push_back(g);
      }
      std::sort(held_[j].begin(), held_[j].end());
      before_[j] = held_[j];
    }
    // A job still holding GPUs of a node that is down cannot run: it is preempted (all its GPUs freed).
    std::vector<int> lost;
    for (const node& n : topo_->nodes()) {
      const node_status* st =
          n.id < static_cast<int>(s.nodes.size()) ? &s.nodes[static_cast<std::size_t>(n.id)] : nullptr;
      const bool up = st == nullptr || st->up;
      for (int l = 0; l < n.num_gpus; ++l) {
        const int o = owner_[static_cast<std::size_t>(n.first_gpu + l)];
        const bool busy =
            st && static_cast<std::size_t>(l) < st->gpu_busy.size() && st->gpu_busy[static_cast<std::size_t>(l)];
        if (!up && o >= 0) lost.push_back(o);
        if (!up || (o == free_gpu && busy)) owner_[static_cast<std::size_t>(n.first_gpu + l)] = blocked_gpu;
      }
      if (up) up_nodes_of_[n.gpu_type].push_back(n.id);
    }
    for (int j : lost) {
      for (gpu_id g : held_[static_cast<std::size_t>(j)])
        if (owner_[static_cast<std::size_t>(g)] == j) owner_[static_cast<std::size_t>(g)] = free_gpu;
      held_[static_cast<std::size_t>(j)].clear();
    }
  }

  [[nodiscard]] const cluster& topology() const noexcept { return *topo_; }
  [[nodiscard]] int num_jobs() const noexcept { return static_cast<int>(held_.size()); }
  [[nodiscard]] const std::string& job_id(int j) const { return job_ids_.at(static_cast<std::size_t>(j)); }

  /// Nodes of a type that are up, in node-id order.
  [[nodiscard]] const std::vector<node_id>& nodes_of(const std::string& type) const {
    static const std::vector<node_id> none;
    const auto it = up_nodes_of_.find(type);
    return it == up_nodes_of_.end() ? none : it->second;
  }
  [[nodiscard]] int free_gpus(node_id n) const {
    const node& nd = topo_->node_at(n);
    int f = 0;
    for (int l = 0; l < nd.num_gpus; ++l) f += owner_[static_cast<std::size_t>(nd.first_gpu + l)] == free_gpu ? 1 : 0;
    return f;
  }
  [[nodiscard]] bool is_free(gpu_id g) const { return owner_.at(static_cast<std::size_t>(g)) == free_gpu; }
  /// GPUs of the type on nodes that are up (what the type can hold at most).
  [[nodiscard]] int usable_gpus(const std::string& type) const {
    int sum = 0;
    for (node_id n : nodes_of(type)) sum += topo_->node_at(n).num_gpus;
    return sum;
  }
  /// GPU types with at least one node up, in the cluster's first-appearance order.
  [[nodiscard]] std::vector<std::string> types_up() const {
    std::vector<std::string> out;
    for (const auto& t : topo_->gpu_types_present())
      if (!nodes_of(t).empty()) out.push_back(t);
    return out;
  }

  [[nodiscard]] bool holds(int j) const { return !held_.at(static_cast<std::size_t>(j)).empty(); }
  [[nodiscard]] const std::vector<gpu_id>& gpus_of(int j) const { return held_.at(static_cast<std::size_t>(j)); }
  [[nodiscard]] int num_gpus_of(int j) const { return static_cast<int>(gpus_of(j).size()); }
  [[nodiscard]] std::string type_of(int j) const {
    return holds(j) ? topo_->node_at(topo_->node_of(gpus_of(j).front())).gpu_type : std::string();
  }
  /// Nodes the job sits on, in node-id order.
  [[nodiscard]] std::vector<node_id> nodes_of_job(int j) const {
    std::vector<node_id> out;
    for (gpu_id g : gpus_of(j)) {
      const node_id n = topo_->node_of(g);
      if (out.empty() || out.back() != n) out.push_back(n);
    }
    return out;
  }
  /// GPUs per node, largest first.
  [[nodiscard]] node_layout layout_of(int j) const {
    std::map<node_id, int> per;
    for (gpu_id g : gpus_of(j)) ++per[topo_->node_of(g)];
    node_layout out;
    for (const auto& [n, c] : per) out.push_back(c);
    std::sort(out.rbegin(), out.rend());
    return out;
  }
  [[nodiscard]] bool changed(int j) const {
    return held_.at(static_cast<std::size_t>(j)) != before_.at(static_cast<std::size_t>(j));
  }

  void release(int j) {
    for (gpu_id g : held_.at(static_cast<std::size_t>(j))) owner_[static_cast<std::size_t>(g)] = free_gpu;
    held_[static_cast<std::size_t>(j)].clear();
  }

  /// Moves the job onto `per_node` GPUs of each listed node: its old GPUs are released first, then each
  /// node gives its lowest-numbered free GPUs (the reference simulator's choice). Returns false and changes
  /// nothing when some node lacks room.
  bool place(int j, const std::vector<node_id>& nodes, int per_node) {
    std::vector<gpu_id> want;
    for (node_id n : nodes) {
      const node& nd = topo_->node_at(n);
      int got = 0;
      for (int l = 0; l < nd.num_gpus && got < per_node; ++l) {
        const int o = owner_[static_cast<std::size_t>(nd.first_gpu + l)];
        if (o == free_gpu || o == j) {
          want.push_back(nd.first_gpu + l);
          ++got;
        }
      }
      if (got < per_node) return false;
    }
    return assign(j, std::move(want));
  }

  /// Gives the job exactly these GPUs (each free or already its own). Returns false and changes nothing
  /// otherwise.
  bool assign(int j, std::vector<gpu_id> gpus) {
    std::sort(gpus.begin(), gpus.end());
    gpus.erase(std::unique(gpus.begin(), gpus.end()), gpus.end());
    for (gpu_id g : gpus) {
      if (g < 0 || g >= static_cast<int>(owner_.size())) return false;
      const int o = owner_[static_cast<std::size_t>(g)];
      if (o != free_gpu && o != j) return false;
    }
    release(j);
    for (gpu_id g : gpus) owner_[static_cast<std::size_t>(g)] = j;
    held_[static_cast<std::size_t>(j)] = std::move(gpus);
    return true;
  }

  /// The host's instructions: a placement for every job whose GPUs changed and that holds GPUs now, a
  /// preemption for every job that held GPUs and holds none now.
  [[nodiscard]] decision to_decision() const {
    decision d;
    for (int j = 0; j < num_jobs(); ++j) {
      if (!changed(j)) continue;
      if (!holds(j)) {
        d.preempt.push_back(job_id(j));
        continue;
      }
      placement p;
      p.job_id = job_id(j);
      p.alloc.gpu_type = type_of(j);
      p.alloc.layout = layout_of(j);
      p.alloc.gpus = gpus_of(j);
      d.run.push_back(std::move(p));
    }
    return d;
  }

 private:
  const cluster* topo_ = nullptr;
  std::vector<int> owner_;                   ///< per global GPU: job index, free_gpu or blocked_gpu
  std::vector<std::vector<gpu_id>> held_;    ///< per job, sorted
  std::vector<std::vector<gpu_id>> before_;  ///< per job as in the snapshot (GPUs on up nodes)
  std::vector<std::string> job_ids_;
  std::map<std::string, std::vector<node_id>> up_nodes_of_;
};

}  // namespace cellsched::baselines
