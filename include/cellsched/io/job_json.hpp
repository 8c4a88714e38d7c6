#pragma once
// Jobs as JSON (docs/formats/trace.md): one {"kind":"job", ...} file, or the elements of a trace's "jobs".
// Model names are checked against a model zoo and GPU types against a hardware catalog; both default to
// the built-in ones, and a null pointer skips that check.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/io/error.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/model/zoo.hpp"
#include "cellsched/cell/job.hpp"

namespace cellsched::io {

/// What job names are checked against. Null skips the check (the GPU type is then kept as written,
/// lower-cased).
struct job_checks {
  const model_zoo* models = &builtin_model_zoo();
  const hardware_catalog* gpus = &builtin_catalog();
};

/// Upper bound on GPUs one job may request (a guard against typos).
inline constexpr std::int64_t max_requested_gpus = 1 << 20;

namespace job_detail {

/// An unknown model name, with the zoo's names so the user sees the spelling expected.
[[nodiscard]] inline std::string unknown_model(const model_zoo& zoo, const std::string& name) {
  return "a model name known to the model zoo, got \"" + name + "\" (known: " + zoo.known_names() + ")";
}

[[nodiscard]] inline std::string known_gpus(const hardware_catalog& catalog) {
  std::string known;
  for (const auto& n : catalog.names()) known.append(known.empty() ? "" : ", ").append(n);
  return known;
}

[[nodiscard]] inline std::string unknown_gpu(const hardware_catalog& catalog, const std::string& name) {
  return "a GPU type known to the catalog (name or alias), got \"" + name + "\" (known: " + known_gpus(catalog) + ")";
}

/// Well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, surrogates or code points past
/// U+10FFFF). JSON text is checked by its parser; CSV fields are not, and a job name must be writable
/// as JSON.
[[nodiscard]] inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c < 0xC2 || c > 0xF4) return false;  // continuation byte, overlong lead or past U+10FFFF
    const std::size_t tail = c <= 0xDF ? 1 : c <= 0xEF ? 2 : 3;
    // The first continuation byte's range excludes overlong forms (E0, F0), surrogates (ED) and
    // code points past U+10FFFF (F4).
    const unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (s.size() - i <= tail) return false;
    for (std::size_t k = 1; k <= tail; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
    }
    i += tail + 1;
  }
  return true;
}

/// Names in traces: non-empty UTF-8, no spaces, commas, quotes or control characters (they must survive
/// CSV and JSON).
[[nodiscard]] inline bool plain_token(const std::string& s) {
  if (s.empty() || !valid_utf8(s)) return false;
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f || ch == ',' || ch == '"') return false;
  }
  return true;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::string read_token(basic_json_reader<Json>& r, const std::string& key, const Json& v) {
  std::string s = r.as_string(key, v);
  if (!plain_token(s)) r.fail(key, "a non-empty name without spaces, commas, quotes or control characters, got \"" + s + "\"");
  return s;
}

}  // namespace job_detail

/// The canonical name of a requested GPU type, or an empty string when `catalog` does not know it.
[[nodiscard]] inline std::string canonical_gpu_name(const hardware_catalog* catalog, const std::string& name) {
  if (!catalog) return lower_ascii(name);
  const gpu_type* t = catalog->find(name);
  return t ? t->name : std::string();
}

/// One job object at `path` (e.g. "jobs[4]"). "kind" must be "job" when `kind_required`, and may be left
/// out otherwise.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] job parse_job(const Json& j, const std::string& file, const std::string& path,
                            const job_checks& checks = {}, bool kind_required = false) {
  basic_json_reader<Json> r(j, file, path);
  if (kind_required || r.has("kind")) expect_kind<Json>(r, file_kind::job);
  job out;
  out.id = job_detail::read_token(r, "id", r.raw("id"));
  out.model = job_detail::read_token(r, "model", r.raw("model"));
  if (checks.models && !checks.models->contains(out.model))
    r.fail("model", job_detail::unknown_model(*checks.models, out.model));
  out.global_batch = r.integer("global_batch", 1);
  out.iterations = r.integer("iterations", 1);
  out.submit_time_s = r.number("submit_time_s", 0.0);
  if (r.has("deadline_s")) out.deadline_s = r.number("deadline_s", out.submit_time_s);
  if (const Json* t = r.raw_optional("requested_gpu_type")) {
    const std::string name = job_detail::read_token(r, "requested_gpu_type", *t);
    out.requested_gpu_type = canonical_gpu_name(checks.gpus, name);
    if (out.requested_gpu_type->empty()) r.fail("requested_gpu_type", job_detail::unknown_gpu(*checks.gpus, name));
  }
  out.requested_gpus = static_cast<int>(r.integer_or("requested_gpus", 0, 1, max_requested_gpus));
  out.weight = r.positive_or("weight", 1.0);
  if (const Json* q = r.raw_optional("queue")) out.queue = job_detail::read_token(r, "queue", *q);
  if (r.has("labels")) {
    const Json& labels = r.array("labels", true);
    for (std::size_t i = 0; i < labels.size(); ++i)
      out.labels.push_back(job_detail::read_token(r, std::string("labels[").append(std::to_string(i)).append("]"), labels[i]));
  }
  r.finish();
  return out;
}

/// A {"kind":"job"} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] job load_job_file(const std::string& path, const job_checks& checks = {}) {
  return parse_job<Json>(load_json_file<Json>(path), path, "", checks, true);
}

/// A job object without "kind" (as in a trace's "jobs"); optional fields only when they differ from the
/// defaults.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const job& j) {
  Json out;
  out["id"] = j.id;
  out["model"] = j.model;
  out["global_batch"] = j.global_batch;
  out["iterations"] = j.iterations;
  out["submit_time_s"] = j.submit_time_s;
  if (j.deadline_s) out["deadline_s"] = *j.deadline_s;
  if (j.requested_gpu_type) out["requested_gpu_type"] = *j.requested_gpu_type;
  if (j.requested_gpus > 0) out["requested_gpus"] = j.requested_gpus;
  if (j.weight != 1.0) out["weight"] = j.weight;
  if (!j.queue.empty()) out["queue"] = j.queue;
  if (!j.labels.empty()) out["labels"] = j.labels;
  return out;
}

/// A {"kind":"job"} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_job_file(const job& j, const std::string& path) {
  Json doc = to_json<Json>(j);
  doc["kind"] = "job";
  save_json_file<Json>(doc, path);
}

}  // namespace cellsched::io
