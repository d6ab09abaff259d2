#include "reports/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "generators/core/utf8.h"
#include "harness/model/units.h"
#include "reports/svg_parts.h"

namespace fabcheck::reports::svg {
namespace parts {

double Scale::operator()(double v) const {
  const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
  const double x = log ? std::log10(v) : v;
  return b == a ? (p0 + p1) / 2 : p0 + (x - a) / (b - a) * (p1 - p0);
}

std::string px(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// 1, 2 or 5 × 10^k, so that `span` holds about `target` steps.
double niceStep(double span, int target) {
  const double raw = span / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

// Widens [lo, hi] to whole steps and returns the ticks on it.
std::vector<Tick> linearTicks(double& lo, double& hi, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.5;
    lo -= pad * (lo != 0);
    hi = lo + 2 * pad;
  }
  const double step = niceStep(hi - lo, target);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  std::vector<Tick> ticks;
  for (int i = 0; lo + i * step <= hi + step * 1e-9 && i < 100; ++i) {
    const double v = lo + i * step;
    ticks.push_back({std::abs(v) < step * 1e-9 ? 0.0 : v, formatNumber(std::abs(v) < step * 1e-9 ? 0.0 : v)});
  }
  return ticks;
}

// Widens [lo, hi] (both > 0) to whole decades; ticks at 1 (and 2, 5 over few decades) × 10^k.
std::vector<Tick> logTicks(double& lo, double& hi) {
  const int a = static_cast<int>(std::floor(std::log10(lo))), b = static_cast<int>(std::ceil(std::log10(hi)));
  lo = std::pow(10.0, a);
  hi = std::pow(10.0, b > a ? b : a + 1);
  std::vector<Tick> ticks;
  for (int k = a; k <= b; ++k) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && b - a > 3) continue;
      const double v = m * std::pow(10.0, k);
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push_back({v, formatNumber(v)});
    }
  }
  return ticks;
}

std::string open(const char* kind, double w, double h, const std::string& title) {
  return "<svg class=\"chart\" data-chart=\"" + std::string(kind) + "\" viewBox=\"0 0 " + px(w) + " " + px(h) +
         "\" width=\"" + px(w) + "\" height=\"" + px(h) + "\" role=\"img\" aria-label=\"" + escape(title) +
         "\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"" + px(w / 2) +
         "\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" + escape(title) + "</text>\n";
}

std::string noData(const char* kind, const std::string& title) {
  return open(kind, kW, 80, title) + "<text x=\"" + px(kW / 2) +
         "\" y=\"52\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n</svg>\n";
}

// Grid, ticks, tick labels and axis titles of a line chart's plot area.
std::string axes(const Scale& xs, const Scale& ys, const std::vector<Tick>& xt, const std::vector<Tick>& yt,
                 const std::string& xlabel, const std::string& ylabel) {
  std::string o = "<g class=\"axes\" stroke=\"#ccc\" stroke-width=\"1\">\n";
  for (const auto& t : yt) {
    o += "<line x1=\"" + px(xs.p0) + "\" x2=\"" + px(xs.p1) + "\" y1=\"" + px(ys(t.value)) + "\" y2=\"" +
         px(ys(t.value)) + "\"/>\n";
  }
  o += "</g>\n<g class=\"ticks\" fill=\"#333\">\n";
  for (const auto& t : yt) {
    o += "<text x=\"" + px(xs.p0 - 6) + "\" y=\"" + px(ys(t.value) + 4) + "\" text-anchor=\"end\">" +
         escape(t.label) + "</text>\n";
  }
  for (const auto& t : xt) {
    const double x = xs(t.value);
    o += "<line x1=\"" + px(x) + "\" x2=\"" + px(x) + "\" y1=\"" + px(ys.p0) + "\" y2=\"" + px(ys.p0 + 5) +
         "\" stroke=\"#333\"/>\n<text x=\"" + px(x) + "\" y=\"" + px(ys.p0 + 18) + "\" text-anchor=\"middle\">" +
         escape(t.label) + "</text>\n";
  }
  o += "</g>\n<path d=\"M" + px(xs.p0) + " " + px(ys.p1) + " V" + px(ys.p0) + " H" + px(xs.p1) +
       "\" fill=\"none\" stroke=\"#333\"/>\n";
  o += "<text x=\"" + px((xs.p0 + xs.p1) / 2) + "\" y=\"" + px(ys.p0 + 38) + "\" text-anchor=\"middle\">" +
       escape(xlabel) + "</text>\n";
  o += "<text transform=\"translate(16 " + px((ys.p0 + ys.p1) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape(ylabel) + "</text>\n";
  return o;
}

std::string legend(const std::vector<std::string>& names, double right, double top) {
  if (names.size() < 2) return {};
  std::string o = "<g class=\"legend\">\n";
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = top + 14.0 * static_cast<double>(i);
    o += "<rect x=\"" + px(right - 150) + "\" y=\"" + px(y - 6) + "\" width=\"14\" height=\"3\" fill=\"" +
         kPalette[i % kPaletteSize] + "\"/>\n<text x=\"" + px(right - 132) + "\" y=\"" + px(y) + "\">" +
         escape(names[i]) + "</text>\n";
  }
  return o + "</g>\n";
}

std::vector<Point> finitePoints(const std::vector<Point>& in, bool positive_y) {
  std::vector<Point> out;
  for (const auto& p : in) {
    if (std::isfinite(p.x) && std::isfinite(p.y) && (!positive_y || p.y > 0)) out.push_back(p);
  }
  return out;
}

// Averages consecutive points so that at most `max_points` remain.
std::vector<Point> downsample(const std::vector<Point>& in, size_t max_points) {
  if (in.size() <= max_points) return in;
  const size_t group = (in.size() + max_points - 1) / max_points;
  std::vector<Point> out;
  for (size_t i = 0; i < in.size(); i += group) {
    const size_t end = std::min(in.size(), i + group);
    Point sum;
    for (size_t k = i; k < end; ++k) sum.x += in[k].x, sum.y += in[k].y;
    const auto n = static_cast<double>(end - i);
    out.push_back({sum.x / n, sum.y / n});
  }
  return out;
}

std::string polyline(const std::vector<Point>& pts, const Scale& xs, const Scale& ys) {
  std::string d;
  for (size_t i = 0; i < pts.size(); ++i) d += (i ? " L" : "M") + px(xs(pts[i].x)) + " " + px(ys(pts[i].y));
  return d;
}

// Cuts a UTF-8 label to `max` code points ("…" marks the cut).
std::string shorten(const std::string& s, size_t max) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (count++ == max) return s.substr(0, i) + "…";
  }
  return s;
}

// Yellow (good) → dark red (bad), t in [0, 1].
std::string heat(double t) {
  static const double stops[][3] = {{255, 255, 204}, {254, 204, 92}, {253, 141, 60}, {240, 59, 32}, {189, 0, 38}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", static_cast<int>(stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                static_cast<int>(stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                static_cast<int>(stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
  return b;
}

}  // namespace parts

using namespace parts;

namespace {

// One horizontal bar of the bar charts (flows, links).
struct Bar {
  std::string label;
  double value = 0;
  bool red = false;
  std::string value_text;  // written after the bar and in its tooltip
};

struct BarFrame {
  const char* kind;
  std::string axis;          // the value axis' title
  std::string red_legend;    // shown when a bar is red
  std::string truncated;     // "": nothing left out; else the note under the chart
  double marker = 0;         // > 0: a dashed line at this value ...
  std::string marker_label;  // ... labelled above the bars
};

std::string barChart(const std::string& title, const std::vector<Bar>& bars, const BarFrame& f) {
  const size_t n = bars.size();
  constexpr double kRow = 18, kLabels = 190, kValues = 150;
  const bool truncated = !f.truncated.empty();
  const double h = kTop + static_cast<double>(n) * kRow + kBottom + (truncated ? 16 : 0);
  double xmax = f.marker > 0 ? f.marker : 0;
  bool any_red = false;
  for (const auto& b : bars) {
    if (std::isfinite(b.value)) xmax = std::max(xmax, b.value);
    any_red = any_red || b.red;
  }
  Scale xs{0, xmax, kLabels, kW - kValues, false};
  const auto xt = linearTicks(xs.lo, xs.hi, 4);
  const double base = kTop + static_cast<double>(n) * kRow;
  std::string o = open(f.kind, kW, h, title);
  o += "<g class=\"axes\" stroke=\"#ccc\">\n";
  for (const auto& t : xt) {
    o += "<line x1=\"" + px(xs(t.value)) + "\" x2=\"" + px(xs(t.value)) + "\" y1=\"" + px(kTop) + "\" y2=\"" +
         px(base) + "\"/>\n";
  }
  o += "</g>\n";
  for (size_t i = 0; i < n; ++i) {
    const auto& b = bars[i];
    const double y = kTop + static_cast<double>(i) * kRow;
    const double v = std::isfinite(b.value) ? std::max(0.0, b.value) : 0.0;
    o += "<text x=\"" + px(kLabels - 6) + "\" y=\"" + px(y + 13) + "\" text-anchor=\"end\">" +
         escape(shorten(b.label, 32)) + "</text>\n";
    o += "<rect x=\"" + px(xs.p0) + "\" y=\"" + px(y + 3) + "\" width=\"" + px(std::max(1.0, xs(v) - xs.p0)) +
         "\" height=\"" + px(kRow - 6) + "\" fill=\"" + (b.red ? kLostColour : kBarColour) + "\"><title>" +
         escape(b.label + ": " + b.value_text) + "</title></rect>\n";
    o += "<text x=\"" + px(xs(v) + 5) + "\" y=\"" + px(y + 13) + "\"" +
         (b.red ? " fill=\"#b00\" font-weight=\"bold\"" : "") + ">" + escape(b.value_text) + "</text>\n";
  }
  if (f.marker > 0) {
    o += "<line class=\"marker\" x1=\"" + px(xs(f.marker)) + "\" x2=\"" + px(xs(f.marker)) + "\" y1=\"" + px(kTop - 2) +
         "\" y2=\"" + px(base) + "\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n<text x=\"" + px(xs(f.marker)) +
         "\" y=\"" + px(kTop - 5) + "\" text-anchor=\"middle\" fill=\"#555\">" + escape(f.marker_label) + "</text>\n";
  }
  o += "<path d=\"M" + px(xs.p0) + " " + px(kTop) + " V" + px(base) + " H" + px(xs.p1) +
       "\" fill=\"none\" stroke=\"#333\"/>\n<g class=\"ticks\">\n";
  for (const auto& t : xt) {
    o += "<text x=\"" + px(xs(t.value)) + "\" y=\"" + px(base + 16) + "\" text-anchor=\"middle\">" + escape(t.label) +
         "</text>\n";
  }
  o += "</g>\n<text x=\"" + px((xs.p0 + xs.p1) / 2) + "\" y=\"" + px(base + 34) + "\" text-anchor=\"middle\">" +
       escape(f.axis) + "</text>\n";
  if (any_red) {
    o += "<rect x=\"" + px(kW - 140) + "\" y=\"" + px(base + 26) + "\" width=\"10\" height=\"10\" fill=\"" +
         kLostColour + "\"/><text x=\"" + px(kW - 126) + "\" y=\"" + px(base + 35) + "\">" + escape(f.red_legend) +
         "</text>\n";
  }
  if (truncated) {
    o += "<text x=\"" + px(kW / 2) + "\" y=\"" + px(h - 6) + "\" text-anchor=\"middle\" fill=\"#777\">" +
         escape(f.truncated) + "</text>\n";
  }
  return o + "</svg>\n";
}

}  // namespace

std::string escape(std::string_view raw) {
  const std::string text = validUtf8(raw);  // the page is UTF-8: never a raw invalid byte
  std::string o;
  o.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string formatNumber(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
  char b[32];
  const double a = std::abs(v);
  if (a == std::round(a) && a < 1e15) std::snprintf(b, sizeof b, "%.0f", v);
  else if (a >= 100) std::snprintf(b, sizeof b, "%.0f", v);
  else if (a >= 10) std::snprintf(b, sizeof b, "%.1f", v);
  else if (a >= 1) std::snprintf(b, sizeof b, "%.2f", v);
  else std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string latencyChart(const std::string& title, const std::vector<Series>& series) {
  auto nines = [](double p) { return -std::log10(1 - p / 100); };
  std::vector<std::vector<Point>> pts;
  double ymin = INFINITY, ymax = 0, xmax = 4;
  for (const auto& s : series) {
    std::vector<Point> keep;
    for (const auto& p : finitePoints(s.points, true)) {
      if (p.x <= 0 || p.x >= 100) continue;
      keep.push_back(p);
      ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y), xmax = std::max(xmax, nines(p.x));
    }
    pts.push_back(std::move(keep));
  }
  if (ymax <= 0) return noData("latency", title);
  Scale xs{nines(40), xmax + 0.15, kLeft, kW - kRight, false};
  Scale ys{0, ymax, kH - kBottom, kTop, ymax / ymin > 20};
  std::vector<Tick> yt;
  if (ys.log) {
    ys.lo = ymin;
    yt = logTicks(ys.lo, ys.hi);
  } else {
    yt = linearTicks(ys.lo, ys.hi);
  }
  std::vector<Tick> xt;
  const std::pair<double, const char*> marks[] = {{50, "p50"},    {90, "p90"},       {99, "p99"},
                                                  {99.9, "p99.9"}, {99.99, "p99.99"}, {99.999, "p99.999"}};
  for (const auto& [p, label] : marks) {
    if (nines(p) <= xmax + 1e-9) xt.push_back({nines(p), label});
  }
  std::string o = open("latency", kW, kH, title);
  o += axes(xs, ys, xt, yt, "percentile", ys.log ? "µs (log scale)" : "µs");
  std::vector<std::string> names;
  for (size_t i = 0; i < pts.size(); ++i) {
    names.push_back(series[i].name);
    if (pts[i].empty()) continue;
    const char* colour = kPalette[i % kPaletteSize];
    std::vector<Point> mapped;
    for (const auto& p : pts[i]) mapped.push_back({nines(p.x), p.y});
    o += "<path class=\"series\" d=\"" + polyline(mapped, xs, ys) + "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"2\"/>\n";
    for (size_t k = 0; k < mapped.size(); ++k) {
      o += "<circle cx=\"" + px(xs(mapped[k].x)) + "\" cy=\"" + px(ys(mapped[k].y)) + "\" r=\"3\" fill=\"" + colour +
           "\"><title>" + escape(series[i].name + " p" + formatNumber(pts[i][k].x) + ": " +
                                  formatNumber(pts[i][k].y) + " µs") +
           "</title></circle>\n";
    }
  }
  // Top left: percentile curves rise to the right, so that corner stays clear.
  return o + legend(names, kLeft + 160, kTop + 6) + "</svg>\n";
}

std::string throughputChart(const std::string& title, const std::vector<Series>& series) {
  std::vector<std::vector<Point>> pts;
  double xmax = 0, ymax = 0;
  bool any = false;
  for (const auto& s : series) {
    auto keep = downsample(finitePoints(s.points, false), kMaxLinePoints);
    for (const auto& p : keep) xmax = std::max(xmax, p.x), ymax = std::max(ymax, p.y), any = true;
    pts.push_back(std::move(keep));
  }
  if (!any) return noData("throughput", title);
  Scale xs{0, xmax, kLeft, kW - kRight, false};
  Scale ys{0, ymax * 1.05, kH - kBottom, kTop, false};
  const auto xt = linearTicks(xs.lo, xs.hi, 6);
  const auto yt = linearTicks(ys.lo, ys.hi);
  std::string o = open("throughput", kW, kH, title);
  o += axes(xs, ys, xt, yt, "time (s)", "Gbit/s");
  std::vector<std::string> names;
  for (size_t i = 0; i < pts.size(); ++i) {
    names.push_back(series[i].name);
    if (pts[i].empty()) continue;
    const char* colour = kPalette[i % kPaletteSize];
    const std::string line = polyline(pts[i], xs, ys);
    o += "<path class=\"area\" d=\"" + line + " L" + px(xs(pts[i].back().x)) + " " + px(ys.p0) + " L" +
         px(xs(pts[i].front().x)) + " " + px(ys.p0) + " Z\" fill=\"" + colour + "\" fill-opacity=\"0.12\"/>\n";
    o += "<path class=\"series\" d=\"" + line + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.5\"/>\n";
  }
  return o + legend(names, kW - kRight, kTop + 4) + "</svg>\n";
}

namespace {

// A path through the points that lifts the pen at NaN values (an unknown interval is a gap).
std::string brokenPolyline(const std::vector<Point>& pts, const Scale& xs, const Scale& ys) {
  std::string d;
  bool pen = false;
  for (const auto& p : pts) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      pen = false;
      continue;
    }
    d += (pen ? " L" : (d.empty() ? "M" : " M")) + px(xs(p.x)) + " " + px(ys(p.y));
    pen = true;
  }
  return d;
}

}  // namespace

std::string pauseChart(const std::string& title, const std::string& y_label, const std::vector<Series>& series,
                       const std::vector<Span>& storms) {
  double xmax = 0, ymax = 0;
  bool any = false;
  std::vector<std::vector<Point>> pts;
  for (const auto& s : series) {
    std::vector<Point> keep = s.points.size() > kMaxLinePoints ? downsample(s.points, kMaxLinePoints) : s.points;
    for (const auto& p : keep) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      xmax = std::max(xmax, p.x), ymax = std::max(ymax, p.y), any = true;
    }
    pts.push_back(std::move(keep));
  }
  for (const auto& st : storms) xmax = std::max(xmax, st.x1);
  if (!any) return noData("pause", title);
  Scale xs{0, xmax > 0 ? xmax : 1, kLeft, kW - kRight, false};
  Scale ys{0, ymax > 0 ? ymax * 1.05 : 1, kH - kBottom, kTop, false};
  const auto xt = linearTicks(xs.lo, xs.hi, 6);
  const auto yt = linearTicks(ys.lo, ys.hi);
  std::string o = open("pause", kW, kH, title);
  for (const auto& st : storms) {
    const double x0 = xs(std::max(0.0, st.x0)), x1 = xs(std::max(st.x0, st.x1));
    o += "<rect class=\"storm\" x=\"" + px(x0) + "\" y=\"" + px(ys.p1) + "\" width=\"" + px(std::max(1.0, x1 - x0)) +
         "\" height=\"" + px(ys.p0 - ys.p1) + "\" fill=\"" + kLostColour + "\" fill-opacity=\"0.15\"><title>" +
         escape(st.label) + "</title></rect>\n";
    o += "<text class=\"storm-label\" x=\"" + px(x0 + 2) + "\" y=\"" + px(ys.p1 + 12) + "\" font-size=\"10\" fill=\"" +
         kLostColour + "\">" + escape(st.label) + "</text>\n";
  }
  o += axes(xs, ys, xt, yt, "time since the counters' first sample (s)", y_label);
  std::vector<std::string> names;
  for (size_t i = 0; i < pts.size(); ++i) {
    names.push_back(series[i].name);
    const std::string d = brokenPolyline(pts[i], xs, ys);
    if (d.empty()) continue;
    o += "<path class=\"series\" d=\"" + d + "\" fill=\"none\" stroke=\"" + kPalette[i % kPaletteSize] +
         "\" stroke-width=\"1.5\"/>\n";
  }
  return o + legend(names, kW - kRight, kTop + 4) + "</svg>\n";
}

std::string flowsChart(const std::string& title, const std::vector<FlowBar>& bars) {
  const size_t n = std::min(bars.size(), kMaxBars);
  if (n == 0) return noData("flows", title);
  std::vector<Bar> rows;
  for (size_t i = 0; i < n; ++i) {
    const auto& b = bars[i];
    const bool lost = b.lost_packets > 0;
    std::string value = formatNumber(b.gbps) + " Gbit/s";
    if (lost) value += " · lost " + std::to_string(b.lost_packets);
    rows.push_back({b.label, b.gbps, lost, value});
  }
  BarFrame f{"flows", "throughput (Gbit/s)", "flow lost packets", "", 0, ""};
  if (bars.size() > n) f.truncated = "showing the first " + std::to_string(n) + " of " + std::to_string(bars.size()) + " flows";
  return barChart(title, rows, f);
}

std::string linksChart(const std::string& title, const std::vector<LinkBar>& bars, double median_gbit_s) {
  if (bars.empty()) return noData("links", title);
  std::vector<size_t> order(bars.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t n = std::min(bars.size(), kMaxBars);
  if (bars.size() > n) {  // keep the slowest: a slow link is what this chart is for
    auto key = [&](size_t i) { return std::isfinite(bars[i].gbit_s) ? bars[i].gbit_s : INFINITY; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
    order.resize(n);
  }
  std::vector<Bar> rows;
  for (size_t i : order) {
    const auto& b = bars[i];
    rows.push_back({b.label, b.gbit_s, b.slow, formatNumber(b.gbit_s) + " Gbit/s" + (b.slow ? " · slow" : "")});
  }
  BarFrame f{"links", "link rate (Gbit/s)", "slow link (straggler)", "", 0, ""};
  if (bars.size() > n) {
    f.truncated = "showing the " + std::to_string(n) + " slowest of " + std::to_string(bars.size()) + " links";
  }
  if (std::isfinite(median_gbit_s) && median_gbit_s > 0) {
    f.marker = median_gbit_s;
    f.marker_label = "median " + formatNumber(median_gbit_s) + " Gbit/s";
  }
  return barChart(title, rows, f);
}

std::string bandwidthChart(const std::string& title, const std::vector<Series>& series) {
  std::vector<std::vector<Point>> pts;
  std::vector<double> sizes;
  double ymax = 0;
  for (const auto& s : series) {
    std::vector<Point> keep;
    for (const auto& p : finitePoints(s.points, false)) {
      if (p.x <= 0 || p.y < 0) continue;
      keep.push_back(p);
      sizes.push_back(p.x);
      ymax = std::max(ymax, p.y);
    }
    std::sort(keep.begin(), keep.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    pts.push_back(std::move(keep));
  }
  if (sizes.empty()) return noData("bandwidth", title);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  // Points stay off the axes: the plot's ends are inset by 16 px.
  Scale xs{sizes.front(), sizes.back(), kLeft + 16, kW - kRight - 16, true};
  Scale ys{0, ymax > 0 ? ymax * 1.05 : 1, kH - kBottom, kTop, false};
  const auto yt = linearTicks(ys.lo, ys.hi);
  std::vector<Tick> xt;
  const size_t every = (sizes.size() + 7) / 8;
  for (size_t i = 0; i < sizes.size(); i += every) {
    const double b = sizes[i];
    xt.push_back({b, b < 1.8e19 && b == std::round(b) ? model::formatBytes(static_cast<uint64_t>(b)) : formatNumber(b)});
  }
  std::string o = open("bandwidth", kW, kH, title);
  o += axes(xs, ys, xt, yt, "message size (log scale)", "GB/s");
  std::vector<std::string> names;
  for (size_t i = 0; i < pts.size(); ++i) {
    names.push_back(series[i].name);
    if (pts[i].empty()) continue;
    const char* colour = kPalette[i % kPaletteSize];
    o += "<path class=\"series\" d=\"" + polyline(pts[i], xs, ys) + "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"2\"/>\n";
    for (const auto& p : pts[i]) {
      const std::string size =
          p.x < 1.8e19 && p.x == std::round(p.x) ? model::formatBytes(static_cast<uint64_t>(p.x)) : formatNumber(p.x);
      o += "<circle cx=\"" + px(xs(p.x)) + "\" cy=\"" + px(ys(p.y)) + "\" r=\"3\" fill=\"" + colour + "\"><title>" +
           escape(series[i].name + " " + size + ": " + formatNumber(p.y) + " GB/s") + "</title></circle>\n";
    }
  }
  // Top left: bandwidth grows with the size, so that corner stays clear.
  return o + legend(names, kLeft + 176, kTop + 6) + "</svg>\n";
}

namespace parts {

std::string heatmapScale(const Heatmap& hm, double sx, double sy, double median, double vmin, double vmax) {
  std::string o;
  const double step = 14;
  const double best = median, worst = hm.higher_is_better ? median / 2 : median * 2;
  for (int i = 0; i < 10; ++i) {
    o += "<rect x=\"" + px(sx) + "\" y=\"" + px(sy + step * i) + "\" width=\"14\" height=\"" + px(step) +
         "\" fill=\"" + heat(i / 9.0) + "\"/>\n";
  }
  o += "<text x=\"" + px(sx + 20) + "\" y=\"" + px(sy + 9) + "\">" +
       escape((hm.higher_is_better ? "≥ " : "≤ ") + formatNumber(best) + " " + hm.unit + " (median)") +
       "</text>\n<text x=\"" + px(sx + 20) + "\" y=\"" + px(sy + step * 10) + "\">" +
       escape((hm.higher_is_better ? "≤ " : "≥ ") + formatNumber(worst) + " " + hm.unit +
              (hm.higher_is_better ? " (median / 2)" : " (2 × median)")) +
       "</text>\n<text x=\"" + px(sx) + "\" y=\"" + px(sy + step * 10 + 32) + "\" fill=\"#555\">range " +
       escape(formatNumber(vmin) + " – " + formatNumber(vmax) + " " + hm.unit) + "</text>\n<text x=\"" + px(sx) + "\" y=\"" +
       px(sy + step * 10 + 18) + "\" fill=\"#555\">" + (hm.higher_is_better ? "higher is better" : "lower is better") +
       "</text>\n";
  if (!hm.note.empty()) {
    o += "<text x=\"" + px(sx) + "\" y=\"" + px(sy + step * 10 + 46) + "\" fill=\"#111\">" + escape(hm.note) + "</text>\n";
  }
  return o;
}

}  // namespace parts

namespace {

// The order rows and columns are drawn in: by group (switch) then label when groups are given,
// else as given.
std::vector<size_t> heatmapOrder(const Heatmap& hm) {
  std::vector<size_t> order(hm.labels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool grouped = std::any_of(hm.groups.begin(), hm.groups.end(), [](const auto& g) { return !g.empty(); });
  if (!grouped) return order;
  auto group = [&](size_t i) { return i < hm.groups.size() ? hm.groups[i] : std::string(); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string ga = group(a), gb = group(b);
    if (ga.empty() != gb.empty()) return gb.empty();  // hosts without a known switch last
    return std::tie(ga, hm.labels[a]) < std::tie(gb, hm.labels[b]);
  });
  return order;
}

// Row and column labels, in the drawing order.
std::string heatmapLabels(const Heatmap& hm, const std::vector<size_t>& ord, double left, double top, double cell) {
  std::string o;
  const size_t n = ord.size();
  const double label_size = std::min(11.0, cell * 0.8);
  for (size_t i = 0; i < n; ++i) {
    const double y = top + cell * static_cast<double>(i);
    o += "<text x=\"" + px(left - 6) + "\" y=\"" + px(y + cell / 2 + label_size / 3) +
         "\" text-anchor=\"end\" font-size=\"" + px(label_size) + "\">" + escape(shorten(hm.labels[ord[i]], 24)) + "</text>\n";
    o += "<text x=\"" + px(left + cell * (static_cast<double>(i) + 0.5)) + "\" y=\"" + px(top - 6) +
         "\" text-anchor=\"middle\" font-size=\"" + px(label_size) + "\">" + std::to_string(ord[i]) + "<title>" +
         escape(hm.labels[ord[i]]) + "</title></text>\n";
  }
  return o;
}

// With groups, a label per group left of its rows and a line between groups across the matrix
// (drawn after the cells, over them).
std::string heatmapGroups(const Heatmap& hm, const std::vector<size_t>& ord, double left, double top, double cell) {
  std::string o;
  const size_t n = ord.size();
  auto group = [&](size_t i) { return ord[i] < hm.groups.size() ? hm.groups[ord[i]] : std::string(); };
  for (size_t i = 0, end = 0; i < n; i = end) {
    for (end = i; end < n && group(end) == group(i); ++end) {
    }
    const double y0 = top + cell * static_cast<double>(i), y1 = top + cell * static_cast<double>(end);
    const std::string name = group(i).empty() ? "switch unknown" : group(i);
    o += "<text class=\"group\" x=\"4\" y=\"" + px((y0 + y1) / 2 + 4) + "\" font-weight=\"600\">" + escape(shorten(name, 14)) +
         "<title>" + escape(name) + "</title></text>\n";
    if (i == 0) continue;
    const double edge = left + cell * static_cast<double>(n);
    o += "<line class=\"group-edge\" x1=\"4\" y1=\"" + px(y0) + "\" x2=\"" + px(edge) + "\" y2=\"" + px(y0) +
         "\" stroke=\"#111\"/>\n<line class=\"group-edge\" x1=\"" + px(left + cell * static_cast<double>(i)) + "\" y1=\"" +
         px(top - 16) + "\" x2=\"" + px(left + cell * static_cast<double>(i)) + "\" y2=\"" +
         px(top + cell * static_cast<double>(n)) + "\" stroke=\"#111\"/>\n";
  }
  return o;
}

}  // namespace

std::string heatmapChart(const Heatmap& hm) {
  const size_t n = hm.labels.size();
  double vmin = INFINITY, vmax = -INFINITY;
  std::vector<double> all;
  for (size_t r = 0; r < n && r < hm.values.size(); ++r) {
    for (size_t c = 0; c < n && c < hm.values[r].size(); ++c) {
      const auto& v = hm.values[r][c];
      if (v && std::isfinite(*v)) vmin = std::min(vmin, *v), vmax = std::max(vmax, *v), all.push_back(*v);
    }
  }
  if (n == 0 || vmin > vmax) return noData("matrix", hm.title);
  const std::vector<size_t> ord = heatmapOrder(hm);
  const bool grouped = std::any_of(hm.groups.begin(), hm.groups.end(), [](const auto& g) { return !g.empty(); });
  const double cell = std::clamp(440.0 / static_cast<double>(n), 6.0, 56.0);
  constexpr double kScale = 190, kHead = 56;
  const double left = grouped ? 250 : 150;  // row labels, and the switch names left of them
  const double w = left + cell * static_cast<double>(n) + kScale,
               h = std::max(kHead + cell * static_cast<double>(n) + 24, kHead + 14 * 10 + 58);
  const bool text_in_cells = cell >= 30;
  // Colours are relative to the median cell, not stretched over min..max: a matrix of equal
  // links stays one colour however small their differences, and a bad link stands out by how
  // far it is from the typical one. Latency (lower is better): at or below the median is best,
  // twice the median or more is worst. Bandwidth: the median or above is best, half of it or
  // less is worst.
  std::sort(all.begin(), all.end());
  const double median = all.size() % 2 ? all[all.size() / 2] : (all[all.size() / 2 - 1] + all[all.size() / 2]) / 2;
  auto badness = [&](double v) {
    if (!(median > 0)) return 0.0;
    const double t = hm.higher_is_better ? 2 * (1 - v / median) : v / median - 1;
    return std::clamp(t, 0.0, 1.0);
  };
  std::string o = open("matrix", std::max(w, 320.0), std::max(h, 200.0), hm.title);
  o += heatmapLabels(hm, ord, left, kHead, cell);
  o += "<text x=\"" + px(left + cell * static_cast<double>(n) / 2) + "\" y=\"" + px(kHead - 22) +
       "\" text-anchor=\"middle\" fill=\"#555\">" + escape(hm.column_title) + " (agent id)</text>\n";
  o += "<text x=\"" + px(left - 6) + "\" y=\"" + px(kHead - 6) + "\" text-anchor=\"end\" fill=\"#555\">" +
       escape(hm.row_title) + "</text>\n";
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const size_t r = ord[i], c = ord[j];
      const double x = left + cell * static_cast<double>(j), y = kHead + cell * static_cast<double>(i);
      std::optional<double> v;
      if (r < hm.values.size() && c < hm.values[r].size() && hm.values[r][c] && std::isfinite(*hm.values[r][c])) {
        v = hm.values[r][c];
      }
      const std::string tip = hm.labels[r] + " ↔ " + hm.labels[c] + ": " + (v ? formatNumber(*v) + " " + hm.unit : "no value");
      const bool flag = std::any_of(hm.flagged.begin(), hm.flagged.end(), [&](const auto& p) {
        return (p.first == r && p.second == c) || (p.first == c && p.second == r);
      });
      o += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(cell) + "\" height=\"" + px(cell) +
           "\" fill=\"" + (v ? heat(badness(*v)) : std::string("#eeeeee")) + "\" stroke=\"" +
           (flag && v ? "#111\" stroke-width=\"3\" class=\"flagged" : "#fff") + "\"><title>" +
           escape(tip + (flag && v ? " (outlier)" : "")) + "</title></rect>\n";
      if (text_in_cells) {
        o += "<text x=\"" + px(x + cell / 2) + "\" y=\"" + px(y + cell / 2 + 4) + "\" text-anchor=\"middle\" fill=\"" +
             (v && badness(*v) > 0.6 ? "#fff" : "#222") + "\">" + (v ? escape(formatNumber(*v)) : "—") + "</text>\n";
      }
    }
  }
  if (grouped) o += heatmapGroups(hm, ord, left, kHead, cell);
  o += heatmapScale(hm, left + cell * static_cast<double>(n) + 24, kHead, median, vmin, vmax);
  return o + "</svg>\n";
}

}  // namespace fabcheck::reports::svg
