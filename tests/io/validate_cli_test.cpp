#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <cellsched/io/file_kind.hpp>

namespace fs = std::filesystem;

namespace {

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A scratch folder for one test, removed afterwards.
struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name) : dir(fs::temp_directory_path() / ("cellsched_validate_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

run_result validate(const scratch& s, const std::string& files) {
  const fs::path out = s.dir / "stdout.txt", err = s.dir / "stderr.txt";
  const std::string cmd =
      std::string(CELLSCHED_CLI) + " validate " + files + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  run_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string data_file(const std::string& name) { return std::string(CELLSCHED_DATA_DIR) + "/clusters/" + name; }

const char* const k_good_types = R"({"kind": "gpu_types", "gpu_types": [
  {"name": "x1", "peak_fp32_tflops": 10, "mem_gb": 16, "mem_bw_gb_per_s": 500, "intra_link": "pcie4",
   "intra_link_gb_per_s": 32, "inter_node_gb_per_s": 25, "gpus_per_node": 8}]})";

}  // namespace

TEST_CASE("validate accepts the bundled clusters, one line per file", "[io][cli]") {
  const scratch s("good");
  const std::string types = s.write("types.json", k_good_types);
  const auto r = validate(s, data_file("arena-1280.json") + " " + data_file("small-2type.json") + " " + types);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Catch::Contains("arena-1280.json: cluster 'arena-1280': 420 nodes, 1280 GPUs"));
  CHECK_THAT(r.out, Catch::Contains("small-2type.json: cluster 'small-2type'"));
  CHECK_THAT(r.out, Catch::Contains("types.json: gpu_types: 1 type(s) added or changed (x1)"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);
}

TEST_CASE("validate stops at the first bad file with exit status 2 and names file and field", "[io][cli]") {
  const scratch s("bad");
  const std::string bad = s.write("bad-cluster.json", R"({"kind": "cluster", "name": "t", "node_groups": [
      {"gpu_type": "a100", "num_nodes": 1, "gpus_per_node": 4},
      {"gpu_type": "tpu-v4", "num_nodes": 1, "gpus_per_node": 4}]})");
  const std::string never = s.write("after.json", R"({"kind": "cluster"})");
  const auto r = validate(s, data_file("small-2type.json") + " " + bad + " " + never);
  CHECK(r.status == 2);
  CHECK_THAT(r.out, Catch::Contains("small-2type.json: cluster"));
  CHECK_THAT(r.err, Catch::Contains(bad) && Catch::Contains("node_groups[1].gpu_type") &&
                        Catch::Contains("tpu-v4"));
  CHECK_THAT(r.err, !Catch::Contains("after.json"));
}

TEST_CASE("validate reports each class of bad input with exit status 2", "[io][cli]") {
  const scratch s("classes");
  struct bad_case {
    const char* file;
    const char* text;
    const char* expect;
  };
  const bad_case cases[] = {
      {"unknown-key.json", R"({"kind": "cluster", "name": "t", "colour": "red", "node_groups": [
          {"gpu_type": "a10", "num_nodes": 1, "gpus_per_node": 2}]})", "field 'colour'"},
      {"wrong-type.json", R"({"kind": "cluster", "name": "t", "node_groups": [
          {"gpu_type": "a10", "num_nodes": "1", "gpus_per_node": 2}]})", "node_groups[0].num_nodes"},
      {"missing.json", R"({"kind": "cluster", "name": "t", "node_groups": [{"gpu_type": "a10", "num_nodes": 1}]})",
       "node_groups[0].gpus_per_node"},
      {"nan.json", R"({"kind": "cluster", "name": "t", "node_groups": [
          {"gpu_type": "a10", "num_nodes": 1, "gpus_per_node": 2, "inter_node_gb_per_s": NaN}]})", "valid JSON"},
      {"zero.json", R"({"kind": "cluster", "name": "t", "node_groups": [
          {"gpu_type": "a10", "num_nodes": 1, "gpus_per_node": 0}]})", "node_groups[0].gpus_per_node"},
      {"negative-type.json", R"({"kind": "gpu_types", "gpu_types": [
          {"name": "x1", "peak_fp32_tflops": -10, "mem_gb": 16, "mem_bw_gb_per_s": 500, "intra_link": "pcie4",
           "intra_link_gb_per_s": 32, "inter_node_gb_per_s": 25, "gpus_per_node": 8}]})",
       "gpu_types[0].peak_fp32_tflops"},
      {"no-kind.json", R"({"name": "t"})", "field 'kind'"},
      {"odd-kind.json", R"({"kind": "spaceship"})", "spaceship"},
      {"empty.json", "", "empty file"},
      {"odd.csv", "a,b,c\n1,2,3\n", "known one"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    const std::string path = s.write(c.file, c.text);
    const auto r = validate(s, path);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains(path) && Catch::Contains(c.expect));
  }
  const auto missing = validate(s, (s.dir / "does-not-exist.json").string());
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("does-not-exist.json") && Catch::Contains("no such file or directory"));
  const auto none = validate(s, "");
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Catch::Contains("no files given"));
}

TEST_CASE("validate checks the reference profile database and vTrain-style measurement tables", "[io][cli]") {
  const scratch s("tables");
  const std::string db = std::string(CELLSCHED_DATA_DIR) + "/perf/arena-profile-db.json";
  const auto ok = validate(s, db);
  INFO(ok.err);
  CHECK(ok.status == 0);
  CHECK_THAT(ok.out, Catch::Contains("valid perf_table"));
  const std::string csv = s.write("m.csv",
                                  "# GPUs,global batch,micro batch,hidden size,attention heads,# layers,sequence "
                                  "length,tensor parallelism,data parallelism,pipeline parallelism,iteration time "
                                  "(ms)\n8,16,1,2048,16,24,2048,1,8,1,300.5\n");
  const auto r = validate(s, csv);
#if __has_include(<cellsched/estimate/measurements.hpp>)
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("m.csv: measurements: 1 rows"));
#else
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("no loader for kind measurements"));
#endif
}

TEST_CASE("file kinds are detected from the JSON kind field and from CSV headers", "[io]") {
  const scratch s("kinds");
  using io_kind = cellsched::io::file_kind;
  CHECK(cellsched::io::detect_file_kind(data_file("arena-1280.json")) == io_kind::cluster);
  CHECK(cellsched::io::detect_file_kind(s.write("t.json", "\xEF\xBB\xBF  {\"kind\": \"jobs\"}")) == io_kind::trace);
  CHECK(cellsched::io::detect_file_kind(s.write("m.json", R"({"kind": "model_zoo"})")) == io_kind::model_zoo);
  CHECK(cellsched::io::detect_file_kind(s.write("db.json", R"({"optimal_iter_time_s": {}})")) == io_kind::perf_table);
  CHECK(cellsched::io::detect_file_kind(s.write(
            "trace.csv",
            "job_id,submission_time,num_iteration,model_name,deadline,batch_size,num_gpu,gpu_type\r\n")) ==
        io_kind::trace);
  CHECK(cellsched::io::detect_file_kind(s.write(
            "vtrain.csv", "# GPUs,global batch,micro batch,hidden size,attention heads,# layers,sequence length,"
                          "tensor parallelism,data parallelism,pipeline parallelism,iteration time (ms)\n")) ==
        io_kind::measurements);
  CHECK_THROWS_WITH(cellsched::io::detect_file_kind(s.write("k.json", R"({"kind": 3})")),
                    Catch::Contains("field 'kind'") && Catch::Contains("a string"));
  for (const auto& [name, kind] : cellsched::io::file_kind_names) {
    CHECK(cellsched::io::file_kind_from_name(name) == kind);
  }
  CHECK(cellsched::io::to_string(io_kind::trace) == "trace");
  CHECK_FALSE(cellsched::io::file_kind_from_name("clusters").has_value());
}
