#include <catch2/catch.hpp>

#include <cellsched/probe/busbw.hpp>
#include <cellsched/probe/sweep.hpp>

#include <algorithm>
#include <set>
#include <tuple>

using namespace cellsched;
using namespace cellsched::probe;

TEST_CASE("bus bandwidth factors follow nccl-tests PERFORMANCE.md", "[probe][busbw]") {
  // all-reduce 2(n-1)/n, all-gather and reduce-scatter (n-1)/n, send/recv 1.
  CHECK(bus_bandwidth_factor(collective_op::all_reduce, 8) == Approx(1.75));
  CHECK(bus_bandwidth_factor(collective_op::all_reduce, 2) == Approx(1.0));
  CHECK(bus_bandwidth_factor(collective_op::all_gather, 8) == Approx(0.875));
  CHECK(bus_bandwidth_factor(collective_op::reduce_scatter, 4) == Approx(0.75));
  CHECK(bus_bandwidth_factor(collective_op::send_recv, 16) == 1.0);
  CHECK(bus_bandwidth_factor(collective_op::all_reduce, 1) == 0.0);  // a single rank moves nothing
  CHECK(bus_bandwidth_factor(collective_op::all_reduce, 0) == 0.0);

  // 1 GiB all-reduce over 8 ranks in 10 ms: algbw 107.374 GB/s, busbw 187.905 GB/s.
  CHECK(algo_gb_per_s(1073741824.0, 0.01) == Approx(107.3741824));
  CHECK(bus_gb_per_s(collective_op::all_reduce, 8, 1073741824.0, 0.01) == Approx(107.3741824 * 1.75));
  CHECK(algo_gb_per_s(1.0, 0.0) == 0.0);
  CHECK(ring_bytes_sent_per_rank(collective_op::reduce_scatter, 4, 400.0) == Approx(300.0));
}

TEST_CASE("collective names round-trip and unknown names are refused", "[probe][busbw]") {
  for (const auto& [name, op] : collective_op_names) {
    CHECK(to_string(op) == name);
    CHECK(collective_op_from_name(name) == op);
  }
  CHECK_FALSE(collective_op_from_name("allreduce").has_value());
  CHECK(known_collective_ops() == "all_reduce, all_gather, reduce_scatter, send_recv");
}

TEST_CASE("median of repeats", "[probe][sweep]") {
  CHECK(median({3.0, 1.0, 2.0}) == 2.0);
  CHECK(median({4.0, 1.0, 3.0, 2.0}) == 2.5);
  CHECK(median({7.0}) == 7.0);
  CHECK_THROWS_AS(median({}), std::invalid_argument);
}

TEST_CASE("GEMM grids: quick is a prefix of full, shapes are distinct and cover all dtypes", "[probe][sweep]") {
  const auto quick = gemm_grid(probe_mode::quick);
  const auto full = gemm_grid(probe_mode::full);
  CHECK(quick.size() == 3 * 3 * 3 * 3);
  REQUIRE(full.size() > quick.size());
  CHECK(std::equal(quick.begin(), quick.end(), full.begin()));
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, dtype>> seen;
  for (const auto& g : full) {
    CHECK(g.m > 0);
    CHECK(seen.insert({g.m, g.n, g.k, g.type}).second);
  }
  // The quick points lie on the full grid, which is 9 m x 7 n x 7 k per dtype.
  CHECK(full.size() == 3 * 9 * 7 * 7);
  const auto count_of = [&full](dtype t) {
    return std::count_if(full.begin(), full.end(), [t](auto& g) { return g.type == t; });
  };
  CHECK(count_of(dtype::bf16) == count_of(dtype::fp16));
  CHECK(count_of(dtype::bf16) == count_of(dtype::tf32));
  CHECK(static_cast<std::size_t>(3 * count_of(dtype::bf16)) == full.size());
  CHECK(gemm_problem{2, 3, 4, dtype::bf16}.flops() == 48.0);
}

TEST_CASE("message sizes run from 8 B to 1 GiB", "[probe][sweep]") {
  const auto full = message_sizes_bytes(probe_mode::full);
  const auto quick = message_sizes_bytes(probe_mode::quick);
  CHECK(full.front() == 8);
  CHECK(full.back() == (std::int64_t{1} << 30));
  CHECK(full.size() == 28);
  CHECK(quick.size() == 10);  // 2^3, 2^6, ..., 2^30
  CHECK(quick.back() == (std::int64_t{1} << 30));
  CHECK(collective_ops_per_repeat(8) == 20);
  CHECK(collective_ops_per_repeat(std::int64_t{1} << 30) == 1);
}

TEST_CASE("collective group sizes", "[probe][sweep]") {
  CHECK(collective_group_sizes(1, probe_mode::full).empty());
  CHECK(collective_group_sizes(8, probe_mode::quick) == std::vector<int>{8});
  CHECK(collective_group_sizes(8, probe_mode::full) == std::vector<int>{2, 4, 8});
  CHECK(collective_group_sizes(6, probe_mode::full) == std::vector<int>{2, 4, 6});
}

TEST_CASE("memory-bandwidth arrays stream from DRAM and fit in free memory", "[probe][sweep]") {
  const std::int64_t l2 = 50 * (std::int64_t{1} << 20);  // H100's 50 MiB L2
  const std::int64_t free = 80 * (std::int64_t{1} << 30);
  CHECK(membw_array_bytes(probe_mode::quick, l2, free) == std::vector<std::int64_t>{std::int64_t{1} << 30});
  const auto full = membw_array_bytes(probe_mode::full, l2, free);
  REQUIRE(!full.empty());
  CHECK(full.front() == (std::int64_t{1} << 28));  // first power of two >= 4 x 50 MiB
  CHECK(full.back() <= (std::int64_t{1} << 32));
  for (const auto b : full) CHECK(b >= 4 * l2);
  // 2 GiB free: a quarter is 512 MiB, so quick mode shrinks to that.
  CHECK(membw_array_bytes(probe_mode::quick, l2, std::int64_t{2} << 30) ==
        std::vector<std::int64_t>{std::int64_t{1} << 29});
  // Too little memory for even one DRAM-bound array: nothing to measure.
  CHECK(membw_array_bytes(probe_mode::full, l2, std::int64_t{256} << 20).empty());
}
