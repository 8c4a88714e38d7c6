// What a training launcher calls once it has been handed its GPUs: the best plan for the model on
// exactly those GPUs, and the command line that starts it.
//
//   launcher --gpu-type a100-40gb --layout 4,4 --model bert__2.6B --batch 256
//   launcher --gpu-type h100-sxm --gpus 16 --nodes 2 --model gpt3-13b --batch 512 --script pretrain_gpt.py
//
// --layout lists the GPUs handed on each node; --gpus N --nodes K means K nodes of N/K GPUs. Prints the
// plan (stages, dp x tp, micro-batching, layer split, predicted iteration time) and the torchrun +
// Megatron-LM command line. Exit status: 0 a plan was found, 1 none fits, 2 bad arguments or input.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/error.hpp>
#include <cellsched/io/model_json.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/search/launcher_args.hpp>
#include <cellsched/search/plan_text.hpp>
#include <cellsched/search/rank.hpp>

namespace {

const char* usage =
    "usage: launcher --gpu-type TYPE (--layout N,N,... | --gpus N --nodes K) (--model NAME | --model-file FILE)\n"
    "                --batch N [--script FILE]\n";

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    out.push_back(std::stoi(text.substr(pos, comma - pos)));
    if (out.back() < 1) throw std::invalid_argument("GPU counts must be positive");
    pos = comma + 1;
  }
  return out;
}

int run(const std::map<std::string, std::string>& opt) {
  const auto get = [&](const std::string& k) {
    const auto it = opt.find(k);
    if (it == opt.end()) throw std::invalid_argument(k + " is required");
    return it->second;
  };
  using namespace cellsched;

  // 1. The GPUs we were handed, as a one-type cluster (link figures: the type's catalog defaults).
  const hardware_catalog& catalog = builtin_catalog();
  const gpu_type* type = catalog.find(get("--gpu-type"));
  if (!type) throw std::invalid_argument("unknown GPU type '" + get("--gpu-type") + "'");
  node_layout layout;
  if (opt.count("--layout")) {
    layout = parse_list(get("--layout"));
  } else {
    const int gpus = std::stoi(get("--gpus")), nodes = std::stoi(get("--nodes"));
    if (gpus < 1 || nodes < 1 || gpus % nodes != 0) throw std::invalid_argument("--gpus must be a multiple of --nodes");
    layout.assign(static_cast<std::size_t>(nodes), gpus / nodes);
  }
  std::sort(layout.begin(), layout.end(), std::greater<>());
  cluster handed("handed", catalog);
  for (int g : layout) handed.add_nodes(type->name, 1, g);

  // 2. The model and the global batch.
  const model m =
      opt.count("--model-file") ? io::load_model_file(get("--model-file")) : builtin_model_zoo().build(get("--model"));
  const long long batch = std::stoll(get("--batch"));
  if (batch < 1) throw std::invalid_argument("--batch must be positive");

  // 3. The best plan over every stage count of this allocation.
  const analytic_estimator est(catalog);
  const cell_search_result best = search_allocation(est, m, handed, type->name, layout, batch);
  if (!best.feasible) {
    std::cout << m.name << " on " << layout_text(best.where) << " x " << type->name << ": no plan: " << best.reason
              << "\n";
    return 1;
  }

  // 4. The plan and the launch line.
  std::printf("%s, global batch %lld, on %d x %s %s\n", m.name.c_str(), batch, best.where.num_gpus, type->name.c_str(),
              layout_text(best.where).c_str());
  std::printf("plan: %s\n", plan_summary(best.best_plan).c_str());
  for (const auto& line : stage_lines(best.where, best.best_plan, &best.best_estimate))
    std::printf("  %s\n", line.c_str());
  std::printf("predicted: %.3f s per iteration, %.1f samples/s (%s)\n", best.best_estimate.iter_time_s,
              best.throughput_samples_per_s(), best.best_estimate.calibration.c_str());
  const launch_args launch = megatron_launch_args(m, best.where, best.best_plan);
  std::printf("launch:\n%s\n",
              launch.command_line(opt.count("--script") ? get("--script") : "pretrain_gpt.py").c_str());
  for (const auto& n : launch.notes) std::printf("note: %s\n", n.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help") {
      std::cout << usage;
      return 0;
    }
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::cerr << "launcher: expected --option VALUE, got '" << k << "'\n" << usage;
      return 2;
    }
    opt[k] = argv[++i];
  }
  try {
    return run(opt);
  } catch (const cellsched::input_error& e) {
    std::cerr << "launcher: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "launcher: " << e.what() << "\n" << usage;
  }
  return 2;
}
