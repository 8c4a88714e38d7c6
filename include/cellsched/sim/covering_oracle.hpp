#pragma once
// `covering_oracle`: one performance oracle in front of another. Jobs the primary covers (a predicate
// over the job, decided once per (model, global batch)) are answered by the primary for every GPU type;
// every other job by the fallback. `cellsched simulate --oracle auto` puts the reference profile table
// in front of our estimator this way: the table for the models and GPU types it measured, the estimator
// for the rest, so no job is dropped because the table has no row for it. One source per job keeps a
// job's GPU types comparable on one scale.
#include <functional>
#include <string>
#include <utility>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched::sim {

template <perf_oracle Primary, perf_oracle Fallback>
class covering_oracle {
 public:
  using predicate = std::function<bool(const job&)>;
  /// Both oracles must outlive this object; `covers` must be safe to call from several threads when
  /// the oracle is (e.g. a lookup in a set built beforehand).
  covering_oracle(const Primary& primary, const Fallback& fallback, predicate covers)
      : primary_(&primary), fallback_(&fallback), covers_(std::move(covers)) {}

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    return covers_(j) ? primary_->query(j, gpu_type, layout) : fallback_->query(j, gpu_type, layout);
  }
  [[nodiscard]] bool covered(const job& j) const { return covers_(j); }

 private:
  const Primary* primary_;
  const Fallback* fallback_;
  predicate covers_;
};

}  // namespace cellsched::sim
