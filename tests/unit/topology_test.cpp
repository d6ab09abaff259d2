// Host ↔ switch port (harness/results/topology.h): the hosts file's labels against LLDP, the
// names findings give links, the results' topology object, the matrix outliers' links, and the
// HTML heatmap grouped by switch.
#include "harness/results/topology.h"

#include <gtest/gtest.h>

#include "harness/results/matrix_outliers.h"
#include "reports/html_reporter.h"
#include "reports/svg_charts.h"

namespace fabcheck::results {
namespace {

using nlohmann::json;

std::vector<model::AgentInfo> topologyAgents(size_t n) {
  std::vector<model::AgentInfo> a(n);
  for (size_t i = 0; i < n; ++i) {
    a[i].id = static_cast<int>(i);
    a[i].host = "h" + std::to_string(i);
  }
  return a;
}

TEST(Topology, TheHostsFileWinsOverLldpAndADisagreementIsAWarningNamingBoth) {
  auto agents = topologyAgents(3);
  agents[0].switch_name = "leaf1";  // LLDP agrees with the hosts file
  agents[0].switch_port = "Ethernet0";
  agents[0].topology_source = "lldp";
  agents[1].switch_name = "leaf1";  // LLDP disagrees
  agents[1].switch_port = "Ethernet4";
  agents[1].topology_source = "lldp";
  agents[2].topology_note = "lldpd has no LLDP neighbour on eth0";
  const std::vector<launch::HostEntry> hosts = {
      {"h0", 1, {{"switch", "leaf1"}, {"port", "Ethernet0"}}},
      {"h1", 1, {{"switch", "leaf2"}, {"port", "Ethernet8"}, {"rack", "b"}}},
      {"h2", 1, {{"rack", "b"}}}};
  const auto warnings = applyHostsTopology(agents, hosts);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "agent 1 (h1): the hosts file says leaf2:Ethernet8, LLDP says leaf1:Ethernet4; using the hosts file");
  EXPECT_EQ(linkName(agents[0]), "h0 ↔ leaf1:Ethernet0");
  EXPECT_EQ(agents[0].topology_source, "hosts");
  EXPECT_EQ(linkName(agents[1]), "h1 ↔ leaf2:Ethernet8");
  EXPECT_EQ(agents[1].topology_note, "LLDP says leaf1:Ethernet4");
  EXPECT_EQ(linkName(agents[2]), "h2") << "no switch known: the host alone";
  EXPECT_EQ(agents[2].topology_source, "");
  EXPECT_EQ(linkName(agents, 7), "?");
}

TEST(Topology, SlotsMapAgentsToHostEntriesAndAPortWithoutASwitchIsIgnored) {
  auto agents = topologyAgents(3);
  const std::vector<launch::HostEntry> hosts = {{"n1", 2, {{"switch", "leaf9"}}}, {"n2", 1, {{"port", "Ethernet1"}}}};
  const auto warnings = applyHostsTopology(agents, hosts);
  EXPECT_EQ(switchPort(agents[0]), "leaf9");
  EXPECT_EQ(switchPort(agents[1]), "leaf9");
  EXPECT_EQ(switchPort(agents[2]), "");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("port=Ethernet1 without switch="), std::string::npos) << warnings[0];
}

TEST(Topology, TheResultsTopologyObjectComesFromTheAgents) {
  const json agents = json::array({{{"id", 0}, {"host", "h0"}, {"switch", "leaf1"}, {"switch_port", "p0"}, {"topology_source", "lldp"}},
                                   {{"id", 1}, {"host", "h1"}, {"switch", nullptr}, {"switch_port", nullptr}},
                                   {{"id", 2}, {"host", "h2"}, {"switch", "leaf2"}, {"switch_port", nullptr}, {"topology_source", "hosts"}}});
  const json t = agentsJsonTopology(agents);
  EXPECT_EQ(t, json::parse(R"({"h0": {"switch": "leaf1", "port": "p0", "source": "lldp"},
                              "h2": {"switch": "leaf2", "port": null, "source": "hosts"}})"));
  EXPECT_EQ(agentsJsonTopology(json::array()), json::object());
  // Agents of one machine in several namespaces (the emulated fabric) share a host name.
  const json shared = json::array({{{"id", 0}, {"host", "vm"}, {"switch", "sw"}, {"switch_port", "p0"}, {"topology_source", "lldp"}},
                                   {{"id", 1}, {"host", "vm"}, {"switch", "sw"}, {"switch_port", "p1"}, {"topology_source", "lldp"}}});
  EXPECT_EQ(agentsJsonTopology(shared), json::parse(R"({"vm #0": {"switch": "sw", "port": "p0", "source": "lldp"},
                                                       "vm #1": {"switch": "sw", "port": "p1", "source": "lldp"}})"));
}

json topologyMatrix() {
  // h2's links are slow; h0 and h2 on leaf2, h1 and h3 on leaf1.
  return {{"agents", {"agent 0 (h0)", "agent 1 (h1)", "agent 2 (h2)", "agent 3 (h3)"}},
          {"throughput_gbps", json::array({json::array({nullptr, 1.0, 0.2, 1.0}), json::array({nullptr, nullptr, 0.2, 1.0}),
                                           json::array({nullptr, nullptr, nullptr, 0.2}),
                                           json::array({nullptr, nullptr, nullptr, nullptr})})}};
}

TEST(Topology, MatrixOutliersNameTheSwitchPorts) {
  json record = {{"matrix", topologyMatrix()}, {"metrics", json::object()}};
  addMatrixOutliers(record);
  addOutlierLinks(record, {"h0 ↔ leaf2:p0", "h1 ↔ leaf1:p1", "h2 ↔ leaf2:p2", "h3 ↔ leaf1:p3"}, {"leaf2", "leaf1", "leaf2", "leaf1"});
  const json& o = record["matrix"]["outliers"];
  EXPECT_EQ(o["suspect_link"], "h2 ↔ leaf2:p2");
  ASSERT_EQ(o["pairs"].size(), 3u);
  EXPECT_EQ(o["pairs"][0]["links"], json::array({"h0 ↔ leaf2:p0", "h2 ↔ leaf2:p2"}));
  EXPECT_EQ(record["matrix"]["switches"], json::array({"leaf2", "leaf1", "leaf2", "leaf1"}));

  json unknown = {{"matrix", topologyMatrix()}, {"metrics", json::object()}};
  addMatrixOutliers(unknown);
  const json before = unknown;
  addOutlierLinks(unknown, {"h0", "h1", "h2", "h3"}, {"", "", "", ""});
  EXPECT_EQ(unknown, before) << "nothing is added when no switch is known";
}

// The rows' labels of a heatmap in the order drawn (the right-aligned row labels).
std::vector<std::string> rowOrder(const std::string& svg) {
  std::vector<std::string> rows;
  const std::string mark = "text-anchor=\"end\" font-size=";
  for (size_t at = svg.find(mark); at != std::string::npos; at = svg.find(mark, at + 1)) {
    const size_t b = svg.find('>', at) + 1;
    rows.push_back(svg.substr(b, svg.find('<', b) - b));
  }
  return rows;
}

TEST(Topology, TheHeatmapGroupsHostsBySwitch) {
  reports::svg::Heatmap h{"Throughput by pair", "Gbit/s", true, "sender", "receiver", {"h0", "h1", "h2", "h3"},
                          {{std::nullopt, 1.0, 0.2, 1.0}, {1.0, std::nullopt, 0.2, 1.0}, {0.2, 0.2, std::nullopt, 0.2},
                           {1.0, 1.0, 0.2, std::nullopt}},
                          {{0, 2}, {1, 2}, {2, 3}}, "", {"leaf2", "leaf1", "leaf2", ""}};
  const std::string svg = reports::svg::heatmapChart(h);
  EXPECT_EQ(rowOrder(svg), (std::vector<std::string>{"h1", "h0", "h2", "h3"}));
  EXPECT_NE(svg.find("class=\"group\" x=\"4\""), std::string::npos);
  EXPECT_NE(svg.find(">leaf1<title>leaf1</title>"), std::string::npos);
  EXPECT_NE(svg.find(">leaf2<title>leaf2</title>"), std::string::npos);
  EXPECT_NE(svg.find(">switch unknown<"), std::string::npos);
  EXPECT_LT(svg.find(">leaf1<title>"), svg.find(">leaf2<title>"));
  size_t flagged = 0;
  for (size_t at = svg.find("class=\"flagged\""); at != std::string::npos; at = svg.find("class=\"flagged\"", at + 1)) ++flagged;
  EXPECT_EQ(flagged, 6u) << "the outlined pairs follow their hosts (both triangles)";

  h.groups.clear();
  const std::string plain = reports::svg::heatmapChart(h);
  EXPECT_EQ(rowOrder(plain), (std::vector<std::string>{"h0", "h1", "h2", "h3"}));
  EXPECT_EQ(plain.find("class=\"group\""), std::string::npos) << "unchanged without a topology";
}

TEST(Topology, TheHtmlReportGroupsTheMatrixBySwitchAndNamesTheSuspectPort) {
  json record = {{"name", "matrix"}, {"pattern", "stream"}, {"placement", "matrix"}, {"verdict", "fail"},
                 {"matrix", topologyMatrix()}, {"metrics", json::object()}};
  addMatrixOutliers(record);
  addOutlierLinks(record, {"h0 ↔ leaf2:p0", "h1 ↔ leaf1:p1", "h2 ↔ leaf2:p2", "h3 ↔ leaf1:p3"}, {"leaf2", "leaf1", "leaf2", "leaf1"});
  const std::string html = reports::renderHtml(json::object(), json::array(), {record}, std::nullopt);
  EXPECT_NE(html.find("class=\"group\""), std::string::npos);
  EXPECT_NE(html.find("suspect: h2 ↔ leaf2:p2"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::results
