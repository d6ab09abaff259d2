#include "generators/patterns/collective_kind.h"

#include <array>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::patterns {
namespace {

constexpr std::array<std::string_view, 5> kKindNames = {"all_reduce", "reduce_scatter", "all_gather",
                                                         "all_to_all", "broadcast"};
constexpr std::array<std::string_view, 5> kAlgorithmNames = {"ring", "tree", "rec_halving_doubling",
                                                              "pairwise", "all_at_once"};

std::string normalised(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-') c = '_';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

template <size_t N>
std::string joined(const std::array<std::string_view, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::string_view toString(CollectiveKind kind) noexcept { return kKindNames[static_cast<size_t>(kind)]; }

std::string_view toString(CollectiveAlgorithm algorithm) noexcept {
  return kAlgorithmNames[static_cast<size_t>(algorithm)];
}

CollectiveKind parseCollectiveKind(std::string_view text, std::string_view where) {
  const std::string s = normalised(text);
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (s == kKindNames[i]) return static_cast<CollectiveKind>(i);
  }
  throw ConfigError("collective '" + std::string(text) + "' (from " + std::string(where) +
                    "): expected one of " + joined(kKindNames));
}

CollectiveAlgorithm parseCollectiveAlgorithm(std::string_view text, std::string_view where) {
  const std::string s = normalised(text);
  if (s == "pipeline") return CollectiveAlgorithm::kRing;
  for (size_t i = 0; i < kAlgorithmNames.size(); ++i) {
    if (s == kAlgorithmNames[i]) return static_cast<CollectiveAlgorithm>(i);
  }
  throw ConfigError("algorithm '" + std::string(text) + "' (from " + std::string(where) +
                    "): expected one of " + joined(kAlgorithmNames) + ", pipeline");
}

CollectiveAlgorithm defaultAlgorithm(CollectiveKind kind) noexcept {
  return kind == CollectiveKind::kAllToAll ? CollectiveAlgorithm::kPairwise : CollectiveAlgorithm::kRing;
}

bool supports(CollectiveKind kind, CollectiveAlgorithm algorithm) noexcept {
  switch (kind) {
    case CollectiveKind::kAllReduce:
      return algorithm == CollectiveAlgorithm::kRing || algorithm == CollectiveAlgorithm::kTree ||
             algorithm == CollectiveAlgorithm::kRecHalvingDoubling;
    case CollectiveKind::kReduceScatter:
    case CollectiveKind::kAllGather:
    case CollectiveKind::kBroadcast:
      return algorithm == CollectiveAlgorithm::kRing;
    case CollectiveKind::kAllToAll:
      return algorithm == CollectiveAlgorithm::kPairwise || algorithm == CollectiveAlgorithm::kAllAtOnce;
  }
  return false;
}

double busbwFactor(CollectiveKind kind, int ranks) noexcept {
  if (ranks < 1) return 0;
  const double n = ranks;
  switch (kind) {
    case CollectiveKind::kAllReduce: return 2.0 * (n - 1) / n;
    case CollectiveKind::kReduceScatter:
    case CollectiveKind::kAllGather:
    case CollectiveKind::kAllToAll: return (n - 1) / n;
    case CollectiveKind::kBroadcast: return 1.0;
  }
  return 0;
}

}  // namespace fabcheck::patterns
