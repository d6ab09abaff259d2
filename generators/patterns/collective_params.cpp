#include "generators/patterns/collective_params.h"

#include <charconv>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::patterns {
namespace {

using nlohmann::json;

uint64_t parseCount(std::string_view part, std::string_view text, std::string_view where, const char* what) {
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (part.empty() || ec != std::errc() || p != part.data() + part.size()) {
    throw ConfigError("size sweep '" + std::string(text) + "' (from " + std::string(where) + "): " + what +
                      " '" + std::string(part) + "' is not a whole number of bytes; expected min:max:factor");
  }
  return v;
}

}  // namespace

void to_json(json& j, const CollectiveParams& p) {
  j = json{{"kind", std::string(toString(p.kind))},
           {"algorithm", std::string(toString(p.algorithm))},
           {"size_bytes", p.size_bytes},
           {"iterations", p.iterations},
           {"warmup_iterations", p.warmup_iterations},
           {"chunk_bytes", p.chunk_bytes},
           {"channels", p.channels},
           {"ranks_per_node", p.ranks_per_node},
           {"root", p.root},
           {"payload_check", p.payload_check}};
}

void from_json(const json& j, CollectiveParams& p) {
  try {
    p.kind = parseCollectiveKind(j.at("kind").get<std::string>(), "collective params");
    p.algorithm = parseCollectiveAlgorithm(j.at("algorithm").get<std::string>(), "collective params");
    j.at("size_bytes").get_to(p.size_bytes);
    j.at("iterations").get_to(p.iterations);
    j.at("warmup_iterations").get_to(p.warmup_iterations);
    j.at("chunk_bytes").get_to(p.chunk_bytes);
    j.at("channels").get_to(p.channels);
    j.at("ranks_per_node").get_to(p.ranks_per_node);
    j.at("root").get_to(p.root);
    j.at("payload_check").get_to(p.payload_check);
  } catch (const json::exception& e) {
    throw ProtocolError(std::string("malformed collective params: ") + e.what());
  } catch (const ConfigError& e) {
    throw ProtocolError(std::string("malformed collective params: ") + e.what());
  }
}

void validate(const CollectiveParams& p, int ranks) {
  const std::string name = "collective " + std::string(toString(p.kind));
  auto fail = [&](const std::string& what) { throw ConfigError(name + ": " + what); };
  if (!supports(p.kind, p.algorithm)) {
    std::string ok = p.kind == CollectiveKind::kAllToAll    ? "pairwise, all_at_once"
                     : p.kind == CollectiveKind::kAllReduce ? "ring, tree, rec_halving_doubling"
                                                            : "ring (pipeline)";
    fail("algorithm '" + std::string(toString(p.algorithm)) + "' is not one of " + ok);
  }
  if (ranks < 2) fail("ranks " + std::to_string(ranks) + ": expected at least 2");
  if (p.size_bytes == 0) fail("size 0: expected at least 1 byte");
  if (p.iterations == 0) fail("iterations 0: expected at least 1");
  if (p.channels == 0 || p.channels > 64) fail("channels " + std::to_string(p.channels) + ": expected 1..64");
  if (p.ranks_per_node == 0) fail("ranks_per_node 0: expected at least 1");
  if (p.kind == CollectiveKind::kBroadcast && p.root >= static_cast<uint32_t>(ranks)) {
    fail("root " + std::to_string(p.root) + ": expected a rank below " + std::to_string(ranks));
  }
  const bool per_rank = p.kind == CollectiveKind::kAllGather || p.kind == CollectiveKind::kReduceScatter ||
                        p.kind == CollectiveKind::kAllToAll;
  if (per_rank && p.size_bytes % static_cast<uint64_t>(ranks) != 0) {
    fail("size " + std::to_string(p.size_bytes) + " bytes: expected a multiple of the " + std::to_string(ranks) +
         " ranks (S = per-rank count × n, as nccl-tests)");
  }
}

std::vector<uint64_t> parseSizeSweep(std::string_view text, std::string_view where) {
  const auto c1 = text.find(':');
  if (c1 == std::string_view::npos) {
    const uint64_t v = parseCount(text, text, where, "size");
    if (v == 0) {
      throw ConfigError("size sweep '" + std::string(text) + "' (from " + std::string(where) +
                        "): size 0: expected at least 1 byte");
    }
    return {v};
  }
  const auto c2 = text.find(':', c1 + 1);
  auto fail = [&](const std::string& what) {
    throw ConfigError("size sweep '" + std::string(text) + "' (from " + std::string(where) + "): " + what);
  };
  if (c2 == std::string_view::npos || text.find(':', c2 + 1) != std::string_view::npos) {
    fail("expected min:max:factor (three parts)");
  }
  const uint64_t lo = parseCount(text.substr(0, c1), text, where, "min");
  const uint64_t hi = parseCount(text.substr(c1 + 1, c2 - c1 - 1), text, where, "max");
  const uint64_t f = parseCount(text.substr(c2 + 1), text, where, "factor");
  if (lo == 0) fail("min 0: expected at least 1 byte");
  if (lo > hi) fail("min " + std::to_string(lo) + " is above max " + std::to_string(hi));
  if (f < 2) fail("factor " + std::to_string(f) + ": expected an integer >= 2");
  std::vector<uint64_t> out;
  for (uint64_t s = lo; s <= hi; s *= f) {
    out.push_back(s);  // at most 64 sizes: factor >= 2 within 64 bits
    if (s > hi / f) break;
  }
  return out;
}

uint64_t fitSizeToRanks(const CollectiveParams& params, int ranks) noexcept {
  const bool split = params.kind == CollectiveKind::kAllGather || params.kind == CollectiveKind::kReduceScatter ||
                     params.kind == CollectiveKind::kAllToAll;
  if (!split || ranks < 2) return params.size_bytes;
  const auto n = static_cast<uint64_t>(ranks);
  const uint64_t fitted = params.size_bytes - params.size_bytes % n;
  return fitted > 0 ? fitted : params.size_bytes;
}

}  // namespace fabcheck::patterns
