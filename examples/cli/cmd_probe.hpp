#pragma once
// cellsched probe: measures this machine's GPUs (GEMM throughput, memory bandwidth, NCCL collectives) and
// writes the probe profile the estimator reads (docs/probe.md, docs/formats/profile.md); with --cell,
// measures the GEMMs of one pipeline stage of a model and compares them with the estimator's prediction.
// The measuring code is CUDA (examples/probe/probe_main.cu); a build without CUDA keeps the command and
// says that the probe is unavailable.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/json_reader.hpp>
#include <cellsched/io/profile_json.hpp>
#include <cellsched/probe/sweep.hpp>
#include <cellsched/version.hpp>

#include "args.hpp"
#include "probe_cell.hpp"
#include "probe_common.hpp"
#ifdef CELLSCHED_WITH_PROBE
#include <unistd.h>

#include "probe_api.hpp"
#endif

namespace cellsched::cli {

namespace probe_detail {

inline const char* probe_usage =
    "usage: cellsched probe [--quick | --full] [--budget-s S] [--out FILE] [--gpu-type NAME]\n"
    "       cellsched probe --cell --model NAME [--tp N] [--micro-batch N] [--pp N --stage S] [--recompute]\n"
    "                       [--dtype bf16|fp16|tf32] [--gpu-type NAME] [--profiles DIR]\n"
    "Measures this machine's GPUs and writes a probe profile (JSON) for the estimator:\n"
    "  --quick        coarse sweeps, about two minutes (default)\n"
    "  --full         every GEMM shape and message size of docs/probe.md, about half an hour\n"
    "  --budget-s S   wall-clock budget; sweeps stop starting new points when it is spent (the profile's\n"
    "                 notes say what was skipped). Default 120 (quick) or 1800 (full)\n"
    "  --out FILE     where to write the profile (default ./<gpu_type>-<mode>-<UTC time>.json)\n"
    "  --gpu-type N   GPU type to record (default: the catalog type matching the device name)\n"
    "Targeted probe of one Cell stage on GPU 0 (--cell): the stage's forward and backward GEMMs for a\n"
    "micro-batch of --micro-batch samples per GPU, tensor parallel --tp, layers split evenly over --pp\n"
    "stages; prints measured vs predicted time per GEMM and for the stage (predicted with the profile of\n"
    "the GPU type found in --profiles, default the bundled data/profiles, else the default curve).\n"
    "Multi-node collectives: build with -DCELLSCHED_PROBE_WITH_MPI=ON and launch one rank per GPU with\n"
    "mpirun (docs/probe.md). Exit status: 0 done, 1 no usable GPU or a CUDA error, 2 bad arguments.\n";

#ifdef CELLSCHED_WITH_PROBE
[[nodiscard]] inline std::string host_name() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string();
}

inline int run_profile_probe(const args& a, probe::probe_mode mode, double budget_s, const hardware_catalog& cat,
                             const probe::system_info& sys) {
  probe::sweep_options opt;
  opt.mode = mode;
  opt.budget_s = budget_s;
  opt.log = [](const std::string& line) { std::cerr << line << "\n"; };

  const probe::device_info& d0 = sys.devices.front();
  probe_profile p;
  p.gpu_type = detected_gpu_type(cat, d0.name, d0.mem_bytes, a);
  if (sys.rank == 0)
    std::cerr << "cellsched probe: " << sys.total_gpus << " x " << d0.name << " as '" << p.gpu_type << "', "
              << to_string(mode) << " mode, budget " << opt.budget_s << " s\n";
  const probe::sweep_result r = probe::run_sweeps(sys, opt);
  if (sys.rank != 0) return 0;

  p.device_name = d0.name;
  p.driver_version = sys.driver_version;
  p.cuda_version = sys.runtime_version;
  p.nccl_version = sys.nccl_version;
  p.date = utc_now_iso8601();
  p.host = host_name();
  p.mode = std::string(to_string(mode));
  p.tool = std::string("cellsched ") + version_string + " probe";
  p.num_gpus = sys.total_gpus;
  p.notes.push_back("GEMM and memory points: device " + std::to_string(d0.index) + " of rank 0; " +
                    std::to_string(sys.num_nodes) + " node(s); budget " + io::json_reader::format_number(opt.budget_s) +
                    " s, took " + io::json_reader::format_number(r.elapsed_s) + " s");
  for (const auto& d : sys.devices)
    if (d.name != d0.name) p.notes.push_back("mixed devices: device " + std::to_string(d.index) + " is " + d.name);
  p.notes.insert(p.notes.end(), r.notes.begin(), r.notes.end());
  p.gemm = r.gemm;
  p.memory = r.memory;
  p.collectives = r.collectives;

  const std::string out = a.get("--out", "./" + p.gpu_type + "-" + p.mode + "-" + compact_date(p.date) + ".json");
  // Written through the strict reader's own schema: what we write must load.
  const io::json doc = io::to_json(p);
  (void)io::parse_profile(doc, out);
  io::save_json_file(doc, out);
  std::cout << "wrote " << out << " (" << p.gemm.size() << " GEMM shapes, " << p.memory.size() << " memory points, "
            << p.collectives.size() << " collective series)\n";
  print_profile_summary(std::cout, p, cat.find(p.gpu_type));
  return 0;
}
#endif

}  // namespace probe_detail

inline int run_probe(const std::vector<std::string>& argv) {
  const args a(argv,
               {"--budget-s", "--out", "--gpu-type", "--model", "--tp", "--micro-batch", "--pp", "--stage", "--dtype",
                "--profiles"},
               {"--help", "--quick", "--full", "--cell", "--recompute"});
  if (a.has("--help")) {
    std::cout << probe_detail::probe_usage;
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");
  if (a.has("--quick") && a.has("--full")) throw usage_error("--quick and --full exclude each other");
  const bool cell = a.has("--cell");
  for (const char* f : {"--model", "--tp", "--micro-batch", "--pp", "--stage", "--dtype", "--recompute", "--profiles"})
    if (!cell && a.has(f)) throw usage_error(std::string(f) + " belongs to --cell");
  for (const char* f : {"--quick", "--full", "--budget-s", "--out"})
    if (cell && a.has(f)) throw usage_error(std::string(f) + " does not apply to --cell");
  if (cell && !a.has("--model")) throw usage_error("--cell needs --model");
  // Everything the arguments say is checked before any GPU is touched (or found missing).
  const std::optional<cell_probe_request> req = cell ? std::optional(parse_cell_request(a)) : std::nullopt;
  const probe::probe_mode mode = a.has("--full") ? probe::probe_mode::full : probe::probe_mode::quick;
  const double budget_s = a.get_double("--budget-s", probe::default_budget_s(mode), 1.0, 7.0 * 86400.0);
  if (a.has("--gpu-type")) (void)probe_detail::resolve_gpu_type_flag(builtin_catalog(), a.get("--gpu-type"));
#ifndef CELLSCHED_WITH_PROBE
  (void)budget_s;
  std::cerr << "cellsched probe: built without CUDA: the probe is unavailable\n";
  return 1;
#else
  probe::runtime_scope scope;
  if (probe::cuda_device_count() < 1) {
    std::cerr << "cellsched probe: no CUDA device\n";
    return 1;
  }
  const hardware_catalog& cat = builtin_catalog();
  try {
    const probe::system_info sys = probe::detect_system();
    if (req) return run_cell_probe(*req, a, cat, sys);
    return probe_detail::run_profile_probe(a, mode, budget_s, cat, sys);
  } catch (const usage_error&) {
    throw;
  } catch (const input_error&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "cellsched probe: " << e.what() << "\n";
    return 1;
  }
#endif
}

}  // namespace cellsched::cli
