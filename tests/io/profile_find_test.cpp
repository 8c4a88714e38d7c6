#include <catch2/catch.hpp>

#include <cellsched/hardware/catalog.hpp>
#include <cellsched/io/profile_json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace cellsched;
namespace fs = std::filesystem;

namespace {

// A fresh, empty directory under the build's temp area for one test.
fs::path scratch_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("cellsched_profile_find_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

probe_profile tiny(const std::string& gpu_type, const std::string& mode, const std::string& date, double gb_per_s) {
  probe_profile p;
  p.gpu_type = gpu_type;
  p.device_name = "test device";
  p.date = date;
  p.mode = mode;
  p.tool = "test";
  // gb_per_s identifies which file won; bytes / time is chosen to give exactly that.
  p.memory.push_back({"copy", gb_per_s * 1e9 * 1e-3, 1e-3, gb_per_s});
  return p;
}

void write(const fs::path& file, const probe_profile& p) { std::ofstream(file) << io::to_json(p).dump(2); }

hardware_catalog small_catalog() {
  gpu_type h100;
  h100.name = "h100-sxm";
  h100.aliases = {"h100"};
  gpu_type a100;
  a100.name = "a100-80gb";
  return hardware_catalog({h100, a100});
}

}  // namespace

TEST_CASE("find_profiles keys profiles by canonical GPU type and prefers full, then newer", "[io][profile]") {
  const fs::path d = scratch_dir("pick");
  write(d / "h100-sxm-quick-new.json", tiny("h100-sxm", "quick", "2025-03-01", 1000));
  write(d / "h100-full-old.json", tiny("h100", "full", "2025-01-01", 2000));
  write(d / "h100-sxm-full-new.json", tiny("h100-sxm", "full", "2025-02-01T00:00:00Z", 3000));
  write(d / "a100-80gb.json", tiny("a100-80gb", "quick", "2024-01-01", 4000));
  std::ofstream(d / "README.md") << "not a profile";

  const hardware_catalog cat = small_catalog();
  const auto found = io::find_profiles(d.string(), &cat);
  REQUIRE(found.size() == 2);
  CHECK(found.at("h100-sxm").memory.at(0).gb_per_s == 3000.0);
  CHECK(found.at("h100-sxm").source == (d / "h100-sxm-full-new.json").string());
  CHECK(found.at("a100-80gb").memory.at(0).gb_per_s == 4000.0);

  // Without a catalog, aliases are not resolved: "h100" and "h100-sxm" are different keys.
  const auto raw = io::find_profiles(d.string());
  REQUIRE(raw.size() == 3);
  CHECK(raw.at("h100").memory.at(0).gb_per_s == 2000.0);
  CHECK(raw.at("h100-sxm").memory.at(0).gb_per_s == 3000.0);
}

TEST_CASE("find_profiles rejects mislabelled, unknown and invalid files", "[io][profile]") {
  const hardware_catalog cat = small_catalog();
  {
    const fs::path d = scratch_dir("mislabelled");
    write(d / "a100-80gb-full.json", tiny("h100-sxm", "full", "2025-01-01", 1000));
    CHECK_THROWS_WITH(io::find_profiles(d.string(), &cat),
                      Catch::Contains("a100-80gb-full.json") && Catch::Contains("starting with the GPU type"));
  }
  {
    const fs::path d = scratch_dir("unknown");
    write(d / "mi300x.json", tiny("mi300x", "full", "2025-01-01", 1000));
    CHECK_THROWS_WITH(io::find_profiles(d.string(), &cat),
                      Catch::Contains("mi300x.json") && Catch::Contains("GPU type of the catalog"));
    CHECK(io::find_profiles(d.string()).count("mi300x") == 1);
  }
  {
    const fs::path d = scratch_dir("invalid");
    std::ofstream(d / "h100-broken.json") << R"({"kind": "profile", "gpu_type": "h100"})";
    CHECK_THROWS_WITH(io::find_profiles(d.string(), &cat),
                      Catch::Contains("h100-broken.json") && Catch::Contains("missing"));
  }
  CHECK_THROWS_WITH(io::find_profiles((fs::temp_directory_path() / "cellsched_no_such_dir").string()),
                    Catch::Contains("a directory of probe profiles"));
}
