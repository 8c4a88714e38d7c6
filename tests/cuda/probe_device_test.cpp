// Runs the probes on the local GPUs and checks what they report: plausible figures (positive, below the
// datasheet peak of the detected type), the nccl-tests bandwidth relations, and a profile that the strict
// reader accepts. Exits 77 (ctest: skipped) when there is no CUDA device.
#include <cstdio>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/profile_json.hpp>
#include <cellsched/probe/busbw.hpp>
#include <cellsched/probe/device_name.hpp>

#include "probe_api.hpp"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

}  // namespace

int main() {
  using namespace cellsched;
  probe::runtime_scope scope;
  if (probe::cuda_device_count() < 1) {
    std::puts("no CUDA device");
    return 77;
  }
  const probe::system_info sys = probe::detect_system();
  check(!sys.devices.empty(), "detect_system lists the devices");
  check(!sys.runtime_version.empty() && sys.driver_version.find("CUDA ") != std::string::npos,
        "runtime and driver versions: " + sys.runtime_version + " / " + sys.driver_version);
  check(probe::built_with_nccl() == !sys.nccl_version.empty(), "NCCL version present iff built with NCCL");
  const probe::device_info& d = sys.devices.front();
  const auto type_name = probe::canonical_gpu_type(builtin_catalog(), d.name, d.mem_bytes);
  const gpu_type* type = type_name ? builtin_catalog().find(*type_name) : nullptr;
  std::printf("device 0: %s -> %s\n", d.name.c_str(), type_name ? type_name->c_str() : "(not in the catalog)");

  // GEMMs: 2mnk / time = TFLOP/s, and no more than the dense datasheet peak (+5 % for boost clocks).
  const std::vector<probe::gemm_problem> gemms{{4096, 4096, 4096, dtype::bf16},
                                               {4096, 4096, 4096, dtype::fp16},
                                               {2048, 2048, 2048, dtype::tf32},
                                               {1, 8192, 8192, dtype::bf16}};
  const auto points = probe::measure_gemms(gemms, d.index, probe::repeats_for(probe::probe_mode::quick));
  check(points.size() == gemms.size(), "one point per GEMM");
  for (const auto& p : points) {
    const std::string what = std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k) + " " +
                             std::string(to_string(p.type)) + ": " + std::to_string(p.tflops) + " TFLOP/s";
    check(p.time_s > 0.0 && p.tflops > 0.0, what + " measured");
    check(std::abs(p.tflops - 2.0 * double(p.m) * double(p.n) * double(p.k) / p.time_s / 1e12) < 1e-9 * p.tflops,
          what + " = 2mnk/time");
    if (type) check(p.tflops <= 1.05 * type->peak_tflops(p.type), what + " <= datasheet peak");
  }

  // A short quick-mode run of everything: the profile must pass the strict reader.
  probe::sweep_options opt;
  opt.budget_s = 60.0;
  opt.gemm = false;  // measured above; the grid would take the whole budget
  const probe::sweep_result r = probe::run_sweeps(sys, opt);
  check(!r.memory.empty(), "memory bandwidth measured");
  for (const auto& b : r.memory) {
    check(b.gb_per_s > 0.0, b.kernel + " " + std::to_string(b.gb_per_s) + " GB/s");
    if (type) check(b.gb_per_s <= 1.05 * type->mem_bw_gb_per_s, b.kernel + " <= datasheet bandwidth");
  }
  if (sys.devices.size() >= 2 && probe::built_with_nccl()) {
    check(!r.collectives.empty(), "collectives measured over " + std::to_string(sys.devices.size()) + " GPUs");
    for (const auto& s : r.collectives)
      for (const auto& c : s.points) {
        const auto op = probe::collective_op_from_name(s.op);
        check(op && c.bus_gb_per_s == c.algo_gb_per_s * probe::bus_bandwidth_factor(*op, s.group_size),
              s.op + " busbw = algbw x factor at " + std::to_string(c.bytes) + " B");
      }
  }
  probe_profile prof;
  prof.gpu_type = type_name ? *type_name : "unknown-gpu";
  prof.device_name = d.name;
  prof.driver_version = sys.driver_version;
  prof.cuda_version = sys.runtime_version;
  prof.nccl_version = sys.nccl_version;
  prof.date = "2000-01-01";
  prof.mode = "quick";
  prof.tool = "test_cuda_probe";
  prof.num_gpus = sys.total_gpus;
  prof.gemm = points;
  prof.memory = r.memory;
  prof.collectives = r.collectives;
  try {
    const probe_profile back = io::parse_profile(io::to_json(prof), "probe-output");
    check(back.gemm.size() == prof.gemm.size() && back.collectives.size() == prof.collectives.size(),
          "the probe's output passes the strict profile reader");
  } catch (const std::exception& e) {
    check(false, std::string("the probe's output passes the strict profile reader: ") + e.what());
  }
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
