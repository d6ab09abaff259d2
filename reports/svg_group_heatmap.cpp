#include "reports/svg_group_heatmap.h"

#include <algorithm>
#include <cmath>

#include "reports/svg_parts.h"

namespace fabcheck::reports::svg {
namespace {

using namespace parts;

constexpr double kGroupHead = 130, kGroupLeft = 190;

std::string plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Row labels (name and host count) and upright column labels, in group order.
std::string groupLabels(const GroupedMatrix& g, double cell) {
  std::string o;
  const double size = std::min(11.0, std::max(7.0, cell * 0.8));
  for (size_t i = 0; i < g.groups.names.size(); ++i) {
    const std::string& name = g.groups.names[i];
    const std::string full = name + " (" + plural(g.groups.hosts[i].size(), "host", "hosts") + ")";
    const double mid = cell * (static_cast<double>(i) + 0.5);
    o += "<text class=\"group\" x=\"" + px(kGroupLeft - 6) + "\" y=\"" + px(kGroupHead + mid + size / 3) +
         "\" text-anchor=\"end\" font-size=\"" + px(size) + "\">" + escape(shorten(name, 18)) + " (" +
         std::to_string(g.groups.hosts[i].size()) + ")<title>" + escape(full) + "</title></text>\n";
    o += "<text transform=\"translate(" + px(kGroupLeft + mid + size / 3) + " " + px(kGroupHead - 6) +
         ") rotate(-90)\" font-size=\"" + px(size) + "\">" + escape(shorten(name, 18)) + "<title>" + escape(full) +
         "</title></text>\n";
  }
  return o;
}

// A cell's tooltip: "leaf1 → leaf7: worst 2.1 Gbit/s, agent 5 (h5) → agent 700 (h700); median
// 9.4 Gbit/s of 1024 pairs; 1 outlier pair".
std::string cellTip(const Heatmap& hm, const GroupedMatrix& g, size_t gr, size_t gc) {
  const GroupCell& cell = g.cells[gr][gc];
  std::string tip = g.groups.names[gr] + " → " + g.groups.names[gc] + ": ";
  if (!cell.worst) return tip + "no pair measured";
  tip += "worst " + formatNumber(cell.worst->value) + " " + hm.unit + ", " + hm.labels[cell.worst->row] + " → " +
         hm.labels[cell.worst->col] + "; median " + formatNumber(cell.median) + " " + hm.unit + " of " +
         plural(cell.pairs, "pair", "pairs");
  if (cell.outliers > 0) tip += "; " + plural(cell.outliers, "outlier pair", "outlier pairs");
  return tip;
}

}  // namespace

std::string groupHeatmapChart(const Heatmap& hm, const GroupedMatrix& g) {
  const size_t n = g.groups.names.size();
  if (n == 0 || g.pairs == 0) return noData("matrix", hm.title);
  const double cell = std::clamp(560.0 / static_cast<double>(n), 8.0, 56.0);
  const double side = cell * static_cast<double>(n);
  const double w = kGroupLeft + side + 220, h = std::max(kGroupHead + side + 40, kGroupHead + 14 * 10 + 70);
  auto badness = [&](double v) {
    if (!(g.median > 0)) return 0.0;
    return std::clamp(hm.higher_is_better ? 2 * (1 - v / g.median) : v / g.median - 1, 0.0, 1.0);
  };
  std::string o = open("matrix", w, h, hm.title);
  o += "<text x=\"" + px(kGroupLeft + side / 2) + "\" y=\"36\" text-anchor=\"middle\" fill=\"#555\">" +
       escape(hm.column_title + " (" + (g.groups.basis == "switch" ? "switch" : "block of hosts") + ")") + "</text>\n";
  o += "<text x=\"" + px(kGroupLeft - 6) + "\" y=\"" + px(kGroupHead - 6) + "\" text-anchor=\"end\" fill=\"#555\">" +
       escape(hm.row_title) + "</text>\n";
  o += groupLabels(g, cell);
  o += "<g class=\"grouped\" data-basis=\"" + std::string(g.groups.basis == "switch" ? "switch" : "block") + "\">\n";
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const GroupCell& c = g.cells[i][j];
      const bool flag = c.outliers > 0;
      o += "<rect class=\"group-cell" + std::string(flag ? " flagged" : "") + "\" x=\"" +
           px(kGroupLeft + cell * static_cast<double>(j)) + "\" y=\"" + px(kGroupHead + cell * static_cast<double>(i)) +
           "\" width=\"" + px(cell) + "\" height=\"" + px(cell) + "\" fill=\"" +
           (c.worst ? heat(badness(c.worst->value)) : std::string("#eeeeee")) + "\" stroke=\"" +
           (flag ? "#111\" stroke-width=\"2" : "#fff") + "\"><title>" + escape(cellTip(hm, g, i, j)) + "</title></rect>\n";
      if (c.worst && cell >= 30) {
        o += "<text x=\"" + px(kGroupLeft + cell * (static_cast<double>(j) + 0.5)) + "\" y=\"" +
             px(kGroupHead + cell * (static_cast<double>(i) + 0.5) + 4) + "\" text-anchor=\"middle\" fill=\"" +
             (badness(c.worst->value) > 0.6 ? "#fff" : "#222") + "\">" + escape(formatNumber(c.worst->value)) + "</text>\n";
      }
    }
  }
  o += "</g>\n";
  o += "<text x=\"" + px(kGroupLeft) + "\" y=\"" + px(kGroupHead + side + 18) + "\" fill=\"#555\">" +
       escape("a cell per pair of groups, coloured by its worst pair (the " +
              std::string(hm.higher_is_better ? "lowest" : "highest") + " value); hover for the pair and the median") +
       "</text>\n";
  o += heatmapScale(hm, kGroupLeft + side + 24, kGroupHead, g.median, g.min, g.max);
  return o + "</svg>\n";
}

}  // namespace fabcheck::reports::svg
