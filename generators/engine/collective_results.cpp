#include "generators/engine/collective_results.h"

#include "generators/transport/tcp_path_info_json.h"

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::engine {

using nlohmann::json;

void to_json(json& j, const CollectiveStepTiming& s) {
  j = json{{"total_ns", s.total_ns}, {"max_ns", s.max_ns}, {"wait_peer", s.wait_peer}};
}

void from_json(const json& j, CollectiveStepTiming& s) {
  j.at("total_ns").get_to(s.total_ns);
  j.at("max_ns").get_to(s.max_ns);
  j.at("wait_peer").get_to(s.wait_peer);
}

void to_json(json& j, const CollectiveLinkStats& l) {
  j = json{{"peer", l.peer},
           {"channel", l.channel},
           {"outgoing", l.outgoing},
           {"flow_id", l.flow_id},
           {"bytes", l.bytes},
           {"segments", l.segments},
           {"retransmissions", l.retransmissions},
           {"timeouts", l.timeouts},
           {"fast_retransmits", l.fast_retransmits},
           {"duplicates", l.duplicates},
           {"out_of_order", l.out_of_order},
           {"corrupted_bytes", l.corrupted_bytes},
           {"malformed", l.malformed},
           {"send_errors", l.send_errors},
           {"busy_ns", l.busy_ns},
           {"tcp", transport::tcpPathInfoToJson(l.tcp)}};
}

void from_json(const json& j, CollectiveLinkStats& l) {
  j.at("peer").get_to(l.peer);
  j.at("channel").get_to(l.channel);
  j.at("outgoing").get_to(l.outgoing);
  j.at("flow_id").get_to(l.flow_id);
  j.at("bytes").get_to(l.bytes);
  j.at("segments").get_to(l.segments);
  j.at("retransmissions").get_to(l.retransmissions);
  j.at("timeouts").get_to(l.timeouts);
  j.at("fast_retransmits").get_to(l.fast_retransmits);
  j.at("duplicates").get_to(l.duplicates);
  j.at("out_of_order").get_to(l.out_of_order);
  j.at("corrupted_bytes").get_to(l.corrupted_bytes);
  j.at("malformed").get_to(l.malformed);
  j.at("send_errors").get_to(l.send_errors);
  j.at("busy_ns").get_to(l.busy_ns);
  l.tcp = transport::tcpPathInfoFromJson(j.value("tcp", json()));
}

void to_json(json& j, const CollectiveRankResult& r) {
  j = json{{"rank", r.rank},
           {"ranks", r.ranks},
           {"kind", r.kind},
           {"algorithm", r.algorithm},
           {"size_bytes", r.size_bytes},
           {"iterations", r.iterations},
           {"iteration_ns", r.iteration_ns},
           {"steps", r.steps},
           {"links", r.links},
           {"bytes_sent", r.bytes_sent},
           {"bytes_received", r.bytes_received},
           {"retransmissions", r.retransmissions},
           {"timeouts", r.timeouts},
           {"corrupted_bytes", r.corrupted_bytes},
           {"error", r.error}};
}

void from_json(const json& j, CollectiveRankResult& r) {
  try {
    j.at("rank").get_to(r.rank);
    j.at("ranks").get_to(r.ranks);
    j.at("kind").get_to(r.kind);
    j.at("algorithm").get_to(r.algorithm);
    j.at("size_bytes").get_to(r.size_bytes);
    j.at("iterations").get_to(r.iterations);
    j.at("iteration_ns").get_to(r.iteration_ns);
    j.at("steps").get_to(r.steps);
    j.at("links").get_to(r.links);
    j.at("bytes_sent").get_to(r.bytes_sent);
    j.at("bytes_received").get_to(r.bytes_received);
    j.at("retransmissions").get_to(r.retransmissions);
    j.at("timeouts").get_to(r.timeouts);
    j.at("corrupted_bytes").get_to(r.corrupted_bytes);
    j.at("error").get_to(r.error);
  } catch (const json::exception& e) {
    throw ProtocolError(std::string("malformed collective rank result: ") + e.what());
  }
}

}  // namespace fabcheck::engine
