// cellsched: the command-line tool. Each subcommand lives in its own header next to this file.
// Exit status: 0 success, 1 the work itself failed (e.g. no feasible plan), 2 bad input or usage.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <cellsched/cellsched.hpp>

#include "args.hpp"
#include "cmd_validate.hpp"
// Subcommands are added by dropping their header next to this file; none edits this list's neighbours.
#if __has_include("cmd_estimate.hpp")
#include "cmd_estimate.hpp"
#define CELLSCHED_CLI_HAVE_ESTIMATE 1
#endif
#if __has_include("cmd_plan.hpp")
#include "cmd_plan.hpp"
#define CELLSCHED_CLI_HAVE_PLAN 1
#endif
#if __has_include("cmd_simulate.hpp")
#include "cmd_simulate.hpp"
#define CELLSCHED_CLI_HAVE_SIMULATE 1
#endif
#if __has_include("cmd_probe.hpp")
#include "cmd_probe.hpp"
#define CELLSCHED_CLI_HAVE_PROBE 1
#endif
#if __has_include("cmd_generate.hpp")
#include "cmd_generate.hpp"
#define CELLSCHED_CLI_HAVE_GENERATE 1
#endif

namespace {

struct subcommand {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const subcommand commands[] = {
    {"validate", "load input files (cluster, model, job, trace, profile) and report the first error",
     cellsched::cli::run_validate},
#ifdef CELLSCHED_CLI_HAVE_ESTIMATE
    {"estimate", "estimate one plan's iteration time, or a measurement table in batch", cellsched::cli::run_estimate},
#endif
#ifdef CELLSCHED_CLI_HAVE_PLAN
    {"plan", "rank a job's Cells on a cluster and print the best plan with launcher arguments",
     cellsched::cli::run_plan},
#endif
#ifdef CELLSCHED_CLI_HAVE_SIMULATE
    {"simulate", "replay a trace on a cluster under one or more policies and compare them",
     cellsched::cli::run_simulate},
#endif
#ifdef CELLSCHED_CLI_HAVE_GENERATE
    {"generate", "write a synthetic cluster or trace from documented distributions (seeded)",
     cellsched::cli::run_generate},
#endif
#ifdef CELLSCHED_CLI_HAVE_PROBE
    {"probe", "measure this machine's GPUs and links and write a probe profile (CUDA builds)",
     cellsched::cli::run_probe},
#endif
};

void print_help() {
  std::cout << "cellsched " << cellsched::version_string
            << " - schedule training jobs on heterogeneous GPU clusters together with their parallelisation\n\n"
               "usage: cellsched [--help | --version] <command> [options]\n\ncommands:\n";
  for (const auto& c : commands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::cout << "\n'cellsched <command> --help' describes a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "cellsched " << cellsched::version_string << "\n";
    return 0;
  }
  for (const auto& c : commands) {
    if (args[0] != c.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
      return c.run(rest);
    } catch (const cellsched::cli::usage_error& e) {
      std::cerr << "cellsched " << c.name << ": " << e.what() << " (see 'cellsched " << c.name << " --help')\n";
      return 2;
    } catch (const cellsched::input_error& e) {
      std::cerr << "cellsched " << c.name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "cellsched " << c.name << ": error: " << e.what() << "\n";
      return 2;
    }
  }
  std::cerr << "cellsched: unknown command '" << args[0] << "' (see 'cellsched --help')\n";
  return 2;
}
