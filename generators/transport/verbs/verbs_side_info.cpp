// SideInfo's JSON form and checks (verbs_side_info.h).
#include "generators/transport/verbs/verbs_side_info.h"

#include <arpa/inet.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {

std::string toJson(const SideInfo& s) {
  return nlohmann::json{{"host", s.host},
                        {"device", s.device},
                        {"port", s.port},
                        {"gid_index", s.gid_index},
                        {"gid", s.gid},
                        {"link_layer", s.link_layer},
                        {"lid", s.lid},
                        {"active_mtu", s.active_mtu},
                        {"verb", s.verb},
                        {"connection", s.connection},
                        {"qps", s.qps},
                        {"qpns", s.qpns},
                        {"psns", s.psns},
                        {"qkey", s.qkey},
                        {"fifo_addr", s.fifo_addr},
                        {"fifo_rkey", s.fifo_rkey},
                        {"fifo_entries", s.fifo_entries},
                        {"window_addr", s.window_addr},
                        {"window_rkey", s.window_rkey},
                        {"window_bytes", s.window_bytes}}
      .dump();
}

SideInfo sideInfoFromJson(const std::string& text, const std::string& from) {
  SideInfo s;
  const char* key = "(document)";
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    auto get = [&](const char* k, auto& field) {
      key = k;
      j.at(k).get_to(field);
    };
    get("host", s.host);
    get("device", s.device);
    get("port", s.port);
    get("gid_index", s.gid_index);
    get("gid", s.gid);
    get("link_layer", s.link_layer);
    get("lid", s.lid);
    get("active_mtu", s.active_mtu);
    get("verb", s.verb);
    get("connection", s.connection);
    get("qps", s.qps);
    get("qpns", s.qpns);
    get("psns", s.psns);
    get("qkey", s.qkey);
    get("fifo_addr", s.fifo_addr);
    get("fifo_rkey", s.fifo_rkey);
    get("fifo_entries", s.fifo_entries);
    get("window_addr", s.window_addr);
    get("window_rkey", s.window_rkey);
    get("window_bytes", s.window_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError("verbs: QP information from " + from + ": key '" + key + "' missing or of the wrong type (" +
                        e.what() + ")");
  }
  if (s.qpns.size() != s.qps || s.psns.size() != s.qps || s.qps == 0) {
    throw ProtocolError("verbs: QP information from " + from + " lists " + std::to_string(s.qpns.size()) +
                        " QP numbers and " + std::to_string(s.psns.size()) + " PSNs for qps " + std::to_string(s.qps));
  }
  return s;
}

void checkCompatible(const SideInfo& mine, const SideInfo& theirs) {
  auto same = [&](const char* what, const std::string& a, const std::string& b) {
    if (a != b) {
      throw ConfigError(std::string("verbs: the two ends disagree on ") + what + ": '" + a + "' here (" + mine.host +
                        "), '" + b + "' at " + theirs.host + "; set it the same on both");
    }
  };
  same("verb", mine.verb, theirs.verb);
  same("connection", mine.connection, theirs.connection);
  same("qps", std::to_string(mine.qps), std::to_string(theirs.qps));
  same("link layer", mine.link_layer, theirs.link_layer);
}

ibv_gid gidFromText(const std::string& text, const std::string& what) {
  ibv_gid g{};
  if (::inet_pton(AF_INET6, text.c_str(), g.raw) != 1) {
    throw ConfigError("verbs: " + what + " GID is '" + text + "'; expected an IPv6-form GID such as ::ffff:10.0.0.1");
  }
  return g;
}

}  // namespace fabcheck::transport::verbs
