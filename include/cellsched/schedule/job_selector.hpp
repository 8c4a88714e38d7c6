#pragma once
// Which jobs a pilot policy manages (schedule/pilot.hpp, docs/closed-loop.md "Pilot mode"). A selector is
// one or more terms separated by '|'; a job is selected when any term matches:
//   queue=NAME     the job's queue is NAME
//   label=NAME     the job carries label NAME
//   weight>=W      the job's weight is at least W
//   id=GLOB        the job id matches GLOB ('*' any run of characters, '?' one character)
//   model=GLOB     the model name matches GLOB
//   share=P        P % of the jobs, chosen by a fixed hash of the id (FNV-1a 64, then MurmurHash3's
//                  fmix64 finaliser so short similar ids spread evenly), so the same jobs are picked on
//                  every run and on every host that reads the same ids
// A job is decided by the selector on its own fields only, so the split never changes while it runs.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cellsched/cell/job.hpp"
#include "cellsched/error.hpp"

namespace cellsched {

struct selector_term {
  enum class kind { queue, label, weight_at_least, id_glob, model_glob, share } what = kind::queue;
  std::string text;    ///< name or glob
  double value = 0.0;  ///< weight bound, or share in percent
};

namespace selector_detail {

/// '*' matches any run of characters, '?' any one; everything else itself.
[[nodiscard]] inline bool glob_match(std::string_view pat, std::string_view s) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

/// FNV-1a (64 bit) mixed by MurmurHash3's fmix64: a fixed, documented hash, so `share=` picks the same
/// jobs everywhere. FNV-1a alone leaves its top bits poorly mixed for short ids that differ in the last
/// characters ("job-1", "job-2", ...).
[[nodiscard]] inline std::uint64_t id_hash(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace selector_detail

class job_selector {
 public:
  job_selector() = default;
  explicit job_selector(std::vector<selector_term> terms) : terms_(std::move(terms)) {}

  /// Parses the text form (see the file comment); `origin` names where it came from in errors (for
  /// example "the command-line value for '--pilot'").
  [[nodiscard]] static job_selector parse(const std::string& text, const std::string& origin) {
    std::vector<selector_term> terms;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t bar = text.find('|', start);
      const std::string t = text.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      terms.push_back(parse_term(t, origin));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    return job_selector(std::move(terms));
  }

  [[nodiscard]] bool matches(const job& j) const {
    for (const auto& t : terms_)
      if (term_matches(t, j)) return true;
    return false;
  }
  [[nodiscard]] const std::vector<selector_term>& terms() const noexcept { return terms_; }

  /// The text form, as parse() reads it.
  [[nodiscard]] std::string text() const {
    std::string out;
    for (const auto& t : terms_) {
      if (!out.empty()) out += '|';
      switch (t.what) {
        case selector_term::kind::queue: out.append("queue=").append(t.text); break;
        case selector_term::kind::label: out.append("label=").append(t.text); break;
        case selector_term::kind::weight_at_least: out.append("weight>=").append(number(t.value)); break;
        case selector_term::kind::id_glob: out.append("id=").append(t.text); break;
        case selector_term::kind::model_glob: out.append("model=").append(t.text); break;
        case selector_term::kind::share: out.append("share=").append(number(t.value)); break;
      }
    }
    return out;
  }

 private:
  static std::string number(double v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  static double parse_number(const std::string& v, const std::string& term, const std::string& origin) {
    std::size_t used = 0;
    double d = 0.0;
    try {
      d = std::stod(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size() || !std::isfinite(d))
      throw input_error(origin, "", "a number in selector term '" + term + "', got '" + v + "'");
    return d;
  }

  static selector_term parse_term(const std::string& t, const std::string& origin) {
    static const char* forms = "queue=NAME, label=NAME, weight>=W, id=GLOB, model=GLOB or share=PERCENT";
    selector_term out;
    auto value_after = [&](std::string_view prefix) { return t.substr(prefix.size()); };
    auto starts = [&](std::string_view prefix) { return t.rfind(prefix, 0) == 0; };
    if (starts("weight>=")) {
      out.what = selector_term::kind::weight_at_least;
      out.value = parse_number(value_after("weight>="), t, origin);
      return out;
    }
    const std::size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == t.size())
      throw input_error(origin, "", std::string("selector terms of the form ") + forms + ", got '" + t + "'");
    const std::string key = t.substr(0, eq);
    out.text = t.substr(eq + 1);
    if (key == "queue") {
      out.what = selector_term::kind::queue;
    } else if (key == "label") {
      out.what = selector_term::kind::label;
    } else if (key == "id") {
      out.what = selector_term::kind::id_glob;
    } else if (key == "model") {
      out.what = selector_term::kind::model_glob;
    } else if (key == "share") {
      out.what = selector_term::kind::share;
      std::string v = out.text;
      if (!v.empty() && v.back() == '%') v.pop_back();
      out.value = parse_number(v, t, origin);
      if (out.value < 0.0 || out.value > 100.0)
        throw input_error(origin, "", "a share between 0 and 100 percent in '" + t + "'");
      out.text.clear();
    } else {
      throw input_error(origin, "", std::string("selector terms of the form ") + forms + ", got '" + t + "'");
    }
    return out;
  }

  static bool term_matches(const selector_term& t, const job& j) {
    switch (t.what) {
      case selector_term::kind::queue: return j.queue == t.text;
      case selector_term::kind::label:
        for (const auto& l : j.labels)
          if (l == t.text) return true;
        return false;
      case selector_term::kind::weight_at_least: return j.weight >= t.value;
      case selector_term::kind::id_glob: return selector_detail::glob_match(t.text, j.id);
      case selector_term::kind::model_glob: return selector_detail::glob_match(t.text, j.model);
      case selector_term::kind::share:
        // The hash's top 53 bits as a fraction in [0, 1).
        return static_cast<double>(selector_detail::id_hash(j.id) >> 11) * 0x1.0p-53 * 100.0 < t.value;
    }
    return false;
  }

  std::vector<selector_term> terms_;
};

}  // namespace cellsched
