#pragma once
// Small, strict command-line parsing shared by the subcommands: --flag VALUE and --switch, nothing
// positional unless the subcommand asks. Bad arguments throw usage_error (exit status 2).
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cellsched::cli {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class args {
 public:
  /// `valued` lists flags that take a value, `switches` flags that do not.
  args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
       const std::set<std::string>& switches) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.rfind("--", 0) == 0 && a.size() > 2) {
        std::string key = a, value;
        const auto eq = a.find('=');
        bool has_inline = eq != std::string::npos;
        if (has_inline) {
          key = a.substr(0, eq);
          value = a.substr(eq + 1);
        }
        if (valued.count(key)) {
          if (!has_inline) {
            if (i + 1 >= argv.size()) throw usage_error(key + " needs a value");
            value = argv[++i];
          }
          if (values_.count(key)) throw usage_error(key + " given twice");
          values_[key] = value;
        } else if (switches.count(key) && !has_inline) {
          switches_.insert(key);
        } else {
          throw usage_error("unknown option " + key);
        }
      } else {
        positional_.push_back(a);
      }
    }
  }

  [[nodiscard]] bool has(const std::string& key) const { return values_.count(key) || switches_.count(key); }
  [[nodiscard]] std::string get(const std::string& key, const std::string& def = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? def : it->second;
  }
  [[nodiscard]] std::string require(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw usage_error(key + " is required");
    return it->second;
  }
  [[nodiscard]] std::int64_t get_int(const std::string& key, std::int64_t def, std::int64_t lo = 1,
                                     std::int64_t hi = (std::int64_t{1} << 40)) const {
    auto it = values_.find(key);
    if (it == values_.end()) return def;
    std::size_t pos = 0;
    std::int64_t v = 0;
    try {
      v = std::stoll(it->second, &pos);
    } catch (const std::exception&) {
      throw usage_error(key + " expects an integer, got '" + it->second + "'");
    }
    if (pos != it->second.size()) throw usage_error(key + " expects an integer, got '" + it->second + "'");
    if (v < lo || v > hi)
      throw usage_error(key + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }
  [[nodiscard]] double get_double(const std::string& key, double def, double lo, double hi) const {
    auto it = values_.find(key);
    if (it == values_.end()) return def;
    std::size_t pos = 0;
    double v = 0;
    try {
      v = std::stod(it->second, &pos);
    } catch (const std::exception&) {
      throw usage_error(key + " expects a number, got '" + it->second + "'");
    }
    if (pos != it->second.size() || !std::isfinite(v))
      throw usage_error(key + " expects a finite number, got '" + it->second + "'");
    if (v < lo || v > hi) throw usage_error(key + " is out of range");
    return v;
  }
  [[nodiscard]] const std::vector<std::string>& positional() const noexcept { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace cellsched::cli
