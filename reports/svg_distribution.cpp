#include "reports/svg_distribution.h"

#include <algorithm>

#include "reports/svg_parts.h"

namespace fabcheck::reports::svg {
namespace {

using namespace parts;

// "9.5 – 10 Gbit/s" (one value when the bucket has no width).
std::string bucketRange(const Buckets& b, size_t i, const std::string& unit) {
  const double lo = b.lo + b.width * static_cast<double>(i);
  const std::string u = unit.empty() ? "" : " " + unit;
  return b.width > 0 ? formatNumber(lo) + " – " + formatNumber(lo + b.width) + u : formatNumber(lo) + u;
}

// One bar: its count part, its marked (red) part stacked at the bottom, the count above it.
std::string histogramBar(const Buckets& b, size_t i, const Scale& ys, double x, double bar_w, const std::string& unit) {
  const size_t count = b.counts[i], marked = b.marked[i];
  if (count == 0) return "";
  const double base = ys.p0, top = std::min(ys(static_cast<double>(count)), base - 3);
  std::string tip = bucketRange(b, i, unit) + ": " + std::to_string(count) + (count == 1 ? " flow" : " flows");
  if (marked > 0) tip += " (" + std::to_string(marked) + " lost packets)";
  std::string o = "<rect class=\"bucket\" x=\"" + px(x) + "\" y=\"" + px(top) + "\" width=\"" + px(bar_w) +
                  "\" height=\"" + px(base - top) + "\" fill=\"" + kBarColour + "\"><title>" + escape(tip) + "</title></rect>\n";
  if (marked > 0) {
    const double mtop = std::min(ys(static_cast<double>(marked)), base - 3);
    o += "<rect class=\"marked\" x=\"" + px(x) + "\" y=\"" + px(mtop) + "\" width=\"" + px(bar_w) + "\" height=\"" +
         px(base - mtop) + "\" fill=\"" + kLostColour + "\"><title>" + escape(tip) + "</title></rect>\n";
  }
  return o + "<text x=\"" + px(x + bar_w / 2) + "\" y=\"" + px(top - 3) + "\" text-anchor=\"middle\" font-size=\"9\">" +
         std::to_string(count) + "</text>\n";
}

}  // namespace

std::string histogramChart(const std::string& title, const std::string& x_label, const std::string& unit,
                           const Buckets& b, const std::string& marked_label) {
  if (b.counts.empty()) return noData("distribution", title);
  const size_t n = b.counts.size();
  size_t total = 0, peak = 0, marked = 0;
  for (size_t i = 0; i < n; ++i) total += b.counts[i], peak = std::max(peak, b.counts[i]), marked += b.marked[i];
  Scale xs{0, static_cast<double>(n), kLeft, kW - kRight, false};
  Scale ys{0, static_cast<double>(peak) * 1.1, kH - kBottom, kTop + 10, false};
  const auto yt = linearTicks(ys.lo, ys.hi, 4);
  std::vector<Tick> xt;  // bucket edges, at most 6 labelled
  const size_t every = std::max<size_t>(1, (n + 5) / 6);
  for (size_t i = 0; i <= n; i += every) {
    xt.push_back({static_cast<double>(i), formatNumber(b.lo + b.width * static_cast<double>(i))});
  }
  if (b.width == 0) xt = {{0.5, formatNumber(b.lo)}};
  std::string o = open("distribution", kW, kH + 16, title);
  o += axes(xs, ys, xt, yt, x_label + (unit.empty() ? "" : " (" + unit + ")"), "flows");
  const double slot = (xs.p1 - xs.p0) / static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    o += histogramBar(b, i, ys, xs.p0 + slot * static_cast<double>(i) + 1, std::max(1.0, slot - 2), unit);
  }
  if (marked > 0) {
    o += "<rect x=\"" + px(kW - kRight - 150) + "\" y=\"" + px(kTop - 8) + "\" width=\"10\" height=\"10\" fill=\"" +
         kLostColour + "\"/>\n<text x=\"" + px(kW - kRight - 136) + "\" y=\"" + px(kTop + 1) + "\">" + escape(marked_label) +
         "</text>\n";
  }
  std::string foot = std::to_string(total) + (total == 1 ? " flow" : " flows");
  if (b.skipped > 0) foot += "; " + std::to_string(b.skipped) + " without a value not drawn";
  return o + "<text x=\"" + px(kW / 2) + "\" y=\"" + px(kH + 10) + "\" text-anchor=\"middle\" fill=\"#555\">" +
         escape(foot) + "</text>\n</svg>\n";
}

}  // namespace fabcheck::reports::svg
