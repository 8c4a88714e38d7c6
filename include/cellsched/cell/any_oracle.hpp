#pragma once
// `any_oracle`: any perf_oracle behind one type, for hosts and tools that choose the oracle at run time
// (the command line's --oracle and --truth) and would otherwise compile every policy once per oracle
// type. It holds a reference: the wrapped oracle must outlive it. One indirect call per query.
#include <functional>
#include <string>
#include <utility>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched {

class any_oracle {
 public:
  template <perf_oracle O>
  explicit any_oracle(const O& o)
      : query_([&o](const job& j, const std::string& t, const node_layout& l) { return o.query(j, t, l); }) {}

  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    return query_(j, gpu_type, layout);
  }

 private:
  std::function<perf_answer(const job&, const std::string&, const node_layout&)> query_;
};

static_assert(perf_oracle<any_oracle>);

}  // namespace cellsched
