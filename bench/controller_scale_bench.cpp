// The controller at scale (issue 18: a matrix round of 2048 pairs planned and started <= 1 s,
// per-agent protocol messages). BM_MatrixRound plans one round of an n-agent matrix directly
// (patterns::placeMatrixRound, what the controller now does per round); BM_MatrixAllRounds
// builds every round at once (today's placeRounds: what materialising them all costs; the code
// before issue 18 also copied the whole matrix once more, see docs/PERFORMANCE.md). BM_SetupBytes encodes the
// "setup" of one agent of a 2048-pair round (4096 agents) as JSON: range(1) = 0 carries the
// whole round's flows (before), 1 only the agent's own (now, RoundRunner::setupFor); counters
// bytes_per_agent and MiB_per_round (x agents). Encoding only: no channel, no MAC.
// BM_Hmac: HMAC-SHA256 of one control message the way the authenticated channel computes it:
// range(0) = 0 fetches the algorithm and keys a new context per message (before), 1 re-initialises
// one keyed context (now, authenticated_channel.cpp); range(1) = message bytes.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "generators/patterns/placement.h"
#include "harness/protocol/agent_messages.h"

namespace {

namespace patterns = fabcheck::patterns;
namespace msg = fabcheck::protocol::msg;

patterns::PatternParams streamParams() {
  patterns::PatternParams p;
  p.kind = patterns::PatternKind::kStream;
  p.size_bytes = 8192;
  p.rate_bps = 10e9;
  p.duration_ns = 1'000'000'000;
  return p;
}

void BM_MatrixRound(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const patterns::PatternParams p = streamParams();
  size_t flows = 0;
  for (auto _ : state) {
    const patterns::PatternPlan round = patterns::placeMatrixRound(p, n, n / 2);
    flows = round.flows.size();
    benchmark::DoNotOptimize(round.flows.data());
  }
  state.counters["flows"] = static_cast<double>(flows);
}
BENCHMARK(BM_MatrixRound)->Arg(1024)->Arg(4096)->Unit(benchmark::kMicrosecond);

void BM_MatrixAllRounds(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const patterns::PatternParams p = streamParams();
  size_t flows = 0;
  for (auto _ : state) {
    const auto rounds = patterns::placeRounds(p, patterns::Placement::kMatrix, n);
    flows = 0;
    for (const auto& r : rounds) flows += r.flows.size();
    benchmark::DoNotOptimize(rounds.data());
  }
  state.counters["flows"] = static_cast<double>(flows);
}
BENCHMARK(BM_MatrixAllRounds)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_SetupBytes(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool own_only = state.range(1) != 0;
  const patterns::PatternPlan round = patterns::placeMatrixRound(streamParams(), n, n / 2);
  const int me = round.flows.front().sender;
  msg::Setup m;
  m.test = "matrix";
  m.params = streamParams();
  m.transport = "udp";
  m.me = me;
  for (const auto& f : round.flows) {
    const bool mine = f.sender == me || f.receiver == me;
    if (own_only && !mine) continue;
    m.flows.push_back(f);
    if (mine) m.clock_correction_ns[f.flow_id] = 12'345;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = fabcheck::protocol::encode(m).dump().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes_per_agent"] = static_cast<double>(bytes);
  state.counters["MiB_per_round"] = static_cast<double>(bytes) * n / (1024.0 * 1024.0);
}
BENCHMARK(BM_SetupBytes)->Args({4096, 0})->Args({4096, 1})->Unit(benchmark::kMicrosecond);

EVP_MAC_CTX* keyedHmac(const std::string& key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  return ctx;
}

void BM_Hmac(benchmark::State& state) {
  const bool keyed_once = state.range(0) != 0;
  const std::string key(32, 'k'), text(static_cast<size_t>(state.range(1)), 'x');
  EVP_MAC_CTX* kept = keyed_once ? keyedHmac(key) : nullptr;
  unsigned char out[32];
  size_t length = 0;
  for (auto _ : state) {
    EVP_MAC_CTX* ctx = kept ? kept : keyedHmac(key);
    if (kept) EVP_MAC_init(ctx, nullptr, 0, nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    EVP_MAC_final(ctx, out, &length, sizeof out);
    if (!kept) EVP_MAC_CTX_free(ctx);
    benchmark::DoNotOptimize(out);
  }
  if (kept) EVP_MAC_CTX_free(kept);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(1));
}
BENCHMARK(BM_Hmac)->Args({0, 64})->Args({1, 64})->Args({0, 640})->Args({1, 640})->Unit(benchmark::kMicrosecond);

}  // namespace
