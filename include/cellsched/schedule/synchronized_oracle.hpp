#pragma once
// A performance oracle that several threads may query at once, in front of one that fills a cache on
// query (best_plan_table is not thread-safe). Answers are memoised per (model, global batch, GPU type,
// layout) - the key best_plan_table itself caches by - so the wrapped oracle must answer from those
// alone; each key is asked of it once, under a lock, and readers of known keys only share a lock.
// Answers do not depend on which thread asked first, so runs stay deterministic.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched {

template <perf_oracle Oracle>
class synchronized_oracle {
 public:
  /// `inner` must outlive this object and be used only through it while threads query.
  explicit synchronized_oracle(const Oracle& inner) : inner_(&inner) {}

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    node_layout sorted = layout;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    key k{j.model, j.global_batch, gpu_type, std::move(sorted)};
    {
      std::shared_lock<std::shared_mutex> read(memo_mu_);
      if (auto it = memo_.find(k); it != memo_.end()) return it->second;
    }
    std::lock_guard<std::mutex> one_at_a_time(inner_mu_);
    {
      std::shared_lock<std::shared_mutex> read(memo_mu_);  // another thread may have answered meanwhile
      if (auto it = memo_.find(k); it != memo_.end()) return it->second;
    }
    perf_answer a = inner_->query(j, gpu_type, layout);
    std::unique_lock<std::shared_mutex> write(memo_mu_);
    return memo_.emplace(std::move(k), std::move(a)).first->second;
  }

  [[nodiscard]] const Oracle& inner() const noexcept { return *inner_; }
  /// Distinct keys answered so far.
  [[nodiscard]] std::size_t size() const {
    std::shared_lock<std::shared_mutex> read(memo_mu_);
    return memo_.size();
  }

 private:
  using key = std::tuple<std::string, std::int64_t, std::string, node_layout>;
  const Oracle* inner_;
  mutable std::mutex inner_mu_;
  mutable std::shared_mutex memo_mu_;
  mutable std::map<key, perf_answer> memo_;
};

}  // namespace cellsched
