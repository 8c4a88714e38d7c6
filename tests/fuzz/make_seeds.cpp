// Writes the fuzzers' seed inputs from the bundled data (data/) and the JSON examples of docs/formats/,
// cut into small documents so that each seed stays well under the fuzzers' -max_len:
//   make_seeds SOURCE_DIR OUT_DIR   ->  OUT_DIR/<target>/<name>
// Data files are read, never copied into git; CLI seeds are hand-written (tests/fuzz/seeds/cli_args).
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cellsched/io/json_reader.hpp"

namespace fs = std::filesystem;
using cellsched::io::json;

namespace {

void write(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << text;
}

[[nodiscard]] std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

/// The header plus `per_seed` data rows, for `count` seeds spread over the file.
void csv_seeds(const fs::path& file, const fs::path& dir, std::size_t per_seed, std::size_t count) {
  const auto lines = lines_of(cellsched::io::read_text_file(file.string()));
  if (lines.size() < 2) return;
  const std::size_t rows = lines.size() - 1;
  for (std::size_t s = 0; s < count; ++s) {
    const std::size_t first = 1 + (rows * s) / count;
    std::string text = lines[0] + '\n';
    for (std::size_t i = first; i < first + per_seed && i < lines.size(); ++i) text += lines[i] + '\n';
    write(dir, file.stem().string() + "-" + std::to_string(s) + ".csv", text);
  }
}

/// The first `n` members of an object, starting at member `skip`.
[[nodiscard]] json slice(const json& obj, std::size_t skip, std::size_t n) {
  json out = json::object();
  std::size_t i = 0;
  for (auto it = obj.begin(); it != obj.end() && out.size() < n; ++it, ++i)
    if (i >= skip) out[it.key()] = it.value();
  return out;
}

/// The ```json blocks of a Markdown file that parse, routed by their "kind".
void doc_seeds(const fs::path& md, const fs::path& out) {
  const std::string text = cellsched::io::read_text_file(md.string());
  std::size_t at = 0;
  for (int n = 0;; ++n) {
    const std::size_t open = text.find("```json\n", at);
    if (open == std::string::npos) return;
    const std::size_t close = text.find("```", open + 8);
    if (close == std::string::npos) return;
    at = close + 3;
    const json doc = json::parse(text.substr(open + 8, close - open - 8), nullptr, false);
    if (!doc.is_object() || !doc.contains("kind") || !doc["kind"].is_string()) continue;
    const std::string kind = doc["kind"].get<std::string>();
    const std::string target = kind == "model_zoo"   ? "model_json"
                               : kind == "gpu_types" ? "cluster_json"
                               : kind == "trace"     ? "trace_json"
                                                     : kind + "_json";
    write(out / target, md.stem().string() + "-" + std::to_string(n) + ".json", doc.dump());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  const fs::path src = argv[1], out = argv[2];
  const fs::path data = src / "data";
  using cellsched::io::load_json_file;

  for (const auto& e : fs::directory_iterator(data / "clusters"))
    if (e.path().extension() == ".json")
      write(out / "cluster_json", e.path().filename().string(), load_json_file(e.path().string()).dump());

  for (const auto& e : fs::directory_iterator(data / "prices"))
    if (e.path().extension() == ".json")
      write(out / "prices_json", e.path().filename().string(), load_json_file(e.path().string()).dump());

  const json zoo = load_json_file((data / "models" / "zoo.json").string());
  for (std::size_t i = 0; i < zoo["models"].size(); ++i) {
    json m = zoo["models"][i];
    m["kind"] = "model";
    write(out / "model_json", "zoo-model-" + std::to_string(i) + ".json", m.dump());
  }
  write(out / "model_json", "zoo-first-two.json",
        json{{"kind", "model_zoo"}, {"models", {zoo["models"][0], zoo["models"][1]}}}.dump());

  const json tiny = load_json_file((data / "traces" / "tiny.json").string());
  write(out / "trace_json", "tiny.json", tiny.dump());
  for (std::size_t i = 0; i < tiny["jobs"].size(); ++i) {
    json j = tiny["jobs"][i];
    j["kind"] = "job";
    write(out / "job_json", "tiny-job-" + std::to_string(i) + ".json", j.dump());
  }
  // Observations (docs/closed-loop.md): a CSV and a JSON report, and a saved online state.
  write(out / "observations", "obs.csv",
        "job_id,model,global_batch,gpu_type,layout,stages,iter_time_s,time_s\n"
        "j1,bert__1.3B,128,a100,4+4,2,1.92,3600\nj2,gpt3-350m,32,v100,8,,0.5,3600.5\n");
  write(out / "observations", "obs.json",
        json{{"kind", "observations"},
             {"observations",
              {{{"job_id", "j1"}, {"model", "bert__1.3B"}, {"global_batch", 128}, {"gpu_type", "a100"},
                {"layout", {4, 4}}, {"iter_time_s", 1.92}, {"time_s", 3600}},
               {{"job_id", "j2"}, {"model", "moe__690M"}, {"global_batch", 256}, {"gpu_type", "a10"},
                {"layout", {2}}, {"failed", true}, {"time_s", 7200}}}}}
            .dump());
  write(out / "observations", "state.json",
        json{{"kind", "online_state"},
             {"cells",
              {{{"model", "m__1B"}, {"global_batch", 64}, {"gpu_type", "a100-40gb"}, {"layout", {4}},
                {"times_s", {2.0, 2.1}}, {"observations", 2}, {"predicted_s", 1.0}, {"last_time_s", 600}}}},
             {"stale_gpu_types", {"v100-32gb"}},
             {"alarms", json::array()}}
            .dump());
  // Scheduler states on the fuzzer's cluster (small-2type) and pilot selectors.
  write(out / "state_json", "state.json",
        json{{"kind", "scheduler_state"},
             {"cluster", "small-2type"},
             {"total_gpus", 32},
             {"down_nodes", {3}},
             {"jobs",
              {{{"spec", {{"id", "r1"}, {"model", "bert__1.3B"}, {"global_batch", 256}, {"iterations", 30},
                          {"submit_time_s", 0}, {"queue", "q"}, {"labels", {"a", "b"}}}},
                {"state", "running"},
                {"alloc", {{"gpu_type", "a100-80gb"}, {"layout", {4}}, {"gpus", {16, 17, 18, 19}}}},
                {"remaining_iterations", 20}},
               {{"spec", {{"id", "p1"}, {"model", "bert__350M"}, {"global_batch", 64}, {"iterations", 5},
                          {"submit_time_s", 10}, {"requested_gpu_type", "h100-sxm"}, {"requested_gpus", 2}}},
                {"state", "pending"}}}}}
            .dump());
  write(out / "state_json", "selector.txt", "queue=research|label=pilot|weight>=2|id=job-*|share=25%");
  csv_seeds(data / "traces" / "philly.csv", out / "trace_csv", 4, 8);
  csv_seeds(data / "measurements" / "vtrain-a100-single-node.csv", out / "measurements_csv", 4, 8);

  // The profile database is 130 kB; a few configurations of it make seeds of a few hundred bytes.
  const json db = load_json_file((data / "perf" / "arena-profile-db.json").string());
  for (std::size_t s = 0; s < 6; ++s) {
    json part;
    part["optimal_iter_time_s"] = json::object();
    for (const auto& [key, devices] : slice(db["optimal_iter_time_s"], 7 * s, 2).items())
      part["optimal_iter_time_s"][key] = slice(devices, 0, 4);
    part["dp_mem_gb"] = slice(db["dp_mem_gb"], 5 * s, 2);
    write(out / "perf_table", "arena-part-" + std::to_string(s) + ".json", part.dump());
  }

  for (const auto& e : fs::directory_iterator(src / "docs" / "formats"))
    if (e.path().extension() == ".md") doc_seeds(e.path(), out);

  for (const auto& e : fs::directory_iterator(src / "tests" / "fuzz" / "seeds" / "cli_args"))
    write(out / "cli_args", e.path().filename().string(), cellsched::io::read_text_file(e.path().string()));
  return 0;
}
