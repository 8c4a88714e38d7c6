// cellsched: the command-line tool. Each subcommand lives in its own header next to this file.
// Exit status: 0 success; 1 the work itself failed (e.g. no feasible plan); 2 bad input or usage
// (cellsched::input_error, a saved policy state that cannot be loaded, an invalid argument value);
// 3 an internal error (cellsched::internal_error, a broken precondition, any exception not expected).
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <cellsched/cellsched.hpp>

#include "args.hpp"
#include "cmd_decide.hpp"
#include "cmd_estimate.hpp"
#include "cmd_generate.hpp"
#include "cmd_plan.hpp"
#include "cmd_probe.hpp"
#include "cmd_reprobe.hpp"
#include "cmd_simulate.hpp"
#include "cmd_validate.hpp"

namespace {

struct subcommand {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const subcommand commands[] = {
    {"validate", "load input files (cluster, model, job, trace, profile) and report the first error",
     cellsched::cli::run_validate},
    {"estimate", "estimate one plan's iteration time, or a measurement table in batch", cellsched::cli::run_estimate},
    {"plan", "rank a job's Cells on a cluster and print the best plan with launcher arguments",
     cellsched::cli::run_plan},
    {"simulate", "replay a trace on a cluster under one or more policies and compare them",
     cellsched::cli::run_simulate},
    {"decide", "make one decision on a saved scheduler state and write it as JSON, without acting",
     cellsched::cli::run_decide},
    {"generate", "write a synthetic cluster or trace from documented distributions (seeded)",
     cellsched::cli::run_generate},
    {"reprobe", "what changed between two cluster files, and the probe command lines to measure it again",
     cellsched::cli::run_reprobe},
    {"probe", "measure this machine's GPUs and links and write a probe profile (CUDA builds)",
     cellsched::cli::run_probe},
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
    } catch (const cellsched::internal_error& e) {
      std::cerr << "cellsched " << c.name << ": internal error: " << e.what() << "\n";
      return 3;
    } catch (const cellsched::input_error& e) {
      if (e.file().empty()) {  // a value given on the command line, not read from a file
        std::cerr << "cellsched " << c.name << ": error: the command-line value for '" << e.field()
                  << "': " << e.expected() << " (see 'cellsched " << c.name << " --help')\n";
      } else {
        std::cerr << "cellsched " << c.name << ": error: " << e.what() << "\n";
      }
      return 2;
    } catch (const cellsched::error& e) {  // policy_state_error: the input is at fault
      std::cerr << "cellsched " << c.name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const std::invalid_argument& e) {  // an argument value the library rejects
      std::cerr << "cellsched " << c.name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "cellsched " << c.name << ": internal error: " << e.what() << "\n";
      return 3;
    }
  }
  std::cerr << "cellsched: unknown command '" << args[0] << "' (see 'cellsched --help')\n";
  return 2;
}
