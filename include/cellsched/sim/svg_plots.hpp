#pragma once
// Plots of simulation runs as self-contained SVG text (no plotting library): the JCT CDF of finished
// jobs per policy, cluster throughput and board power per round, and energy per sample against JCT.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

struct plot_series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

namespace svg_detail {

[[nodiscard]] inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
[[nodiscard]] inline std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}
/// Tick step of 1, 2 or 5 x 10^k giving about `target` ticks over [0, hi].
[[nodiscard]] inline double tick_step(double hi, int target = 6) {
  if (!(hi > 0)) return 1.0;
  const double raw = hi / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10.0 * mag;
}
[[nodiscard]] inline std::string tick_label(double v) {
  char buf[32];
  if (std::fabs(v) >= 1000 && std::fmod(v, 1000.0) == 0)
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1000);
  else if (std::fabs(v - std::round(v)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
inline const char* color(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                  "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  return palette[i % 8];
}

}  // namespace svg_detail

/// A line chart with axes from 0, ticks, labels and a legend.
[[nodiscard]] inline std::string line_chart_svg(const std::string& title, const std::string& x_label,
                                                const std::string& y_label, const std::vector<plot_series>& series,
                                                double y_max_hint = 0.0) {
  using namespace svg_detail;
  const double W = 820, H = 480, left = 80, right = 170, top = 40, bottom = 60;
  const double pw = W - left - right, ph = H - top - bottom;
  double xmax = 0, ymax = y_max_hint;
  for (const auto& s : series) {
    for (double x : s.x) xmax = std::max(xmax, x);
    for (double y : s.y) ymax = std::max(ymax, y);
  }
  const double xs = tick_step(xmax), ys = tick_step(ymax);
  xmax = std::max(xs, std::ceil(xmax / xs) * xs);
  ymax = std::max(ys, std::ceil(ymax / ys) * ys);
  const auto px = [&](double x) { return left + pw * x / xmax; };
  const auto py = [&](double y) { return top + ph * (1.0 - y / ymax); };
  std::string o =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) +
      "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(left + pw / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" + escape(title) +
       "</text>\n";
  for (double x = 0; x <= xmax + xs / 2; x += xs) {
    o += "<line x1=\"" + num(px(x)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px(x)) + "\" y2=\"" + num(top + ph) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + num(px(x)) + "\" y=\"" + num(top + ph + 18) +
         "\" text-anchor=\"middle\">" + tick_label(x) + "</text>\n";
  }
  for (double y = 0; y <= ymax + ys / 2; y += ys) {
    o += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(y)) + "\" x2=\"" + num(left + pw) + "\" y2=\"" + num(py(y)) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + num(left - 8) + "\" y=\"" + num(py(y) + 4) +
         "\" text-anchor=\"end\">" + tick_label(y) + "</text>\n";
  }
  o += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
       "\" fill=\"none\" stroke=\"black\"/>\n";
  o += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(H - 16) + "\" text-anchor=\"middle\">" + escape(x_label) +
       "</text>\n";
  o += "<text transform=\"translate(20," + num(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape(y_label) + "</text>\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    std::string pts;
    for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) pts += num(px(s.x[k])) + "," + num(py(s.y[k])) + " ";
    o += "<polyline fill=\"none\" stroke=\"" + std::string(color(i)) + "\" stroke-width=\"1.5\" points=\"" + pts +
         "\"/>\n";
    const double ly = top + 16 + 20.0 * static_cast<double>(i);
    o += "<line x1=\"" + num(left + pw + 14) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" + num(left + pw + 38) +
         "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + color(i) + "\" stroke-width=\"3\"/>\n<text x=\"" +
         num(left + pw + 44) + "\" y=\"" + num(ly) + "\">" + escape(s.name) + "</text>\n";
  }
  o += "</svg>\n";
  return o;
}

/// CDF of the finished jobs' JCT (hours) per policy.
[[nodiscard]] inline std::string jct_cdf_svg(const std::vector<sim_run>& runs) {
  std::vector<plot_series> s;
  for (const auto& r : runs) {
    plot_series p;
    p.name = r.policy + " (" + std::to_string(r.finished_jct_s.size()) + ")";
    std::vector<double> j = r.finished_jct_s;
    std::sort(j.begin(), j.end());
    p.x.push_back(0.0);
    p.y.push_back(0.0);
    for (std::size_t k = 0; k < j.size(); ++k) {
      p.x.push_back(j[k] / 3600.0);
      p.y.push_back(static_cast<double>(k + 1) / static_cast<double>(j.size()));
    }
    s.push_back(std::move(p));
  }
  return line_chart_svg("JCT of finished jobs (CDF)", "job completion time (hours)", "fraction of finished jobs", s,
                        1.0);
}

/// A per-round series of a run (times `scale`) against time since the first submission (hours).
[[nodiscard]] inline plot_series round_series(const sim_run& r, const std::vector<double>& per_round,
                                              double scale = 1.0) {
  plot_series p;
  p.name = r.policy;
  for (std::size_t k = 0; k < per_round.size(); ++k) {
    p.x.push_back(static_cast<double>(k) * r.round_s / 3600.0);
    p.y.push_back(per_round[k] * scale);
  }
  return p;
}

/// Cluster throughput per round (samples/s) against time since the first submission (hours).
[[nodiscard]] inline std::string throughput_svg(const std::vector<sim_run>& runs) {
  std::vector<plot_series> s;
  for (const auto& r : runs) s.push_back(round_series(r, r.throughput));
  return line_chart_svg("Cluster throughput", "time since the first submission (hours)", "samples/s", s);
}

/// Cluster board power per round (kW, sim/energy_meter.hpp) against time since the first submission
/// (hours); a run with a power budget adds it as a flat line.
[[nodiscard]] inline std::string power_svg(const std::vector<sim_run>& runs) {
  std::vector<plot_series> s;
  for (const auto& r : runs) {
    s.push_back(round_series(r, r.power_w, 1e-3));
    const double end_h = static_cast<double>(r.power_w.size()) * r.round_s / 3600.0;
    if (r.power_budget_w > 0.0)
      s.push_back({r.policy + " budget", {0.0, end_h}, {r.power_budget_w / 1e3, r.power_budget_w / 1e3}});
  }
  return line_chart_svg("Cluster power", "time since the first submission (hours)", "board power (kW)", s);
}

/// One point per run: energy per trained sample (J, the jobs' GPUs) against mean JCT of finished jobs
/// (hours), labelled by policy - the energy / time trade-off of docs/energy-cost.md.
[[nodiscard]] inline std::string energy_tradeoff_svg(const std::vector<sim_run>& runs) {
  using namespace svg_detail;
  struct point {
    std::string name;
    double x = 0.0, y = 0.0;
  };
  std::vector<point> pts;
  double xmax = 0.0, ymax = 0.0;
  for (const auto& r : runs) {
    double samples = 0.0, jct = 0.0;
    for (double t : r.throughput) samples += t * r.round_s;
    for (double j : r.finished_jct_s) jct += j;
    if (r.finished_jct_s.empty() || !(samples > 0.0)) continue;
    point p{r.policy, jct / static_cast<double>(r.finished_jct_s.size()) / 3600.0, r.job_energy_j / samples};
    xmax = std::max(xmax, p.x);
    ymax = std::max(ymax, p.y);
    pts.push_back(std::move(p));
  }
  // Reuses the line chart for axes and legend: each run is a one-point series drawn as a dot below.
  std::vector<plot_series> series;
  for (const auto& p : pts) series.push_back({p.name, {p.x}, {p.y}});
  std::string o = line_chart_svg("Energy per sample against mean JCT", "mean JCT of finished jobs (hours)",
                                 "energy per sample, jobs' GPUs (J)", series, ymax);
  const double W = 820, H = 480, left = 80, right = 170, top = 40, bottom = 60;
  const double pw = W - left - right, ph = H - top - bottom;
  const double xs = tick_step(xmax), ys = tick_step(ymax);
  const double xm = std::max(xs, std::ceil(xmax / xs) * xs), ym = std::max(ys, std::ceil(ymax / ys) * ys);
  std::string dots;
  for (std::size_t i = 0; i < pts.size(); ++i)
    dots += "<circle cx=\"" + num(left + pw * pts[i].x / xm) + "\" cy=\"" + num(top + ph * (1.0 - pts[i].y / ym)) +
            "\" r=\"5\" fill=\"" + color(i) + "\"/>\n";
  o.insert(o.rfind("</svg>"), dots);
  return o;
}

}  // namespace cellsched::sim
