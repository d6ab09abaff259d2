#include "harness/cli/gen_command.h"

#include <boost/program_options.hpp>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "generators/transport/transport.h"
#include "harness/cli/cli.h"
#include "harness/cli/gen_perftest_options.h"
#include "harness/cli/signals.h"
#include "harness/pair/pair_auth.h"
#include "harness/pair/pair_client.h"
#include "harness/pair/pair_server.h"
#include "harness/pair/pair_summary.h"
#include "harness/pair/perftest_table.h"
#include "harness/model/units.h"

namespace fabcheck::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kGenUsage =
    "usage: fabcheck gen --server [--bind ADDR] [--port P] [--interface IF] [--once] [--secret-file F | --no-auth]\n"
    "                    [--max-duration T] [--max-rate R] [--max-flows N] [--max-sessions N] [--idle-timeout T]\n"
    "       fabcheck gen --client HOST [--secret-file F | --no-auth] [--port P] [--bind ADDR] [--interface IF] --pattern pingpong|stream|microburst\n"
    "                    [--size BYTES | --sweep MIN:MAX[:FACTOR]] [--flows N] [--bidir] [--rate R]\n"
    "                    [--burst BYTES --interval T] [--duration T | --iterations N] [--warmup T|N]\n"
    "                    [--dscp D] [--ecn E] [--json]\n"
    "       fabcheck gen --client HOST --transport verbs [--verb send|write_imm|write|read] [-q QPS] [-d DEV]\n"
    "                    [-i PORT] [-x GID_INDEX] [--tclass TC] [--mtu M] [-a] [--report-gbits] ...  (perftest's names)\n";

po::options_description genOptions() {
  po::options_description o("options");
  o.add_options()
      ("help,h", "print this help")
      ("server,s", "run as the server (responder)")
      ("client,c", po::value<std::string>(), "run as the client against server HOST")
      ("bind,B", po::value<std::string>(), "server: address to listen on, control and data (default 0.0.0.0; :: for IPv6); client: source address of the data flows")
      ("interface", po::value<std::string>(), "bind the data sockets to this network interface (SO_BINDTODEVICE)")
      ("port,p", po::value<std::string>()->default_value("18515"), "control port (server: 0 = pick one and print it)")
      ("once", "server: exit after one client session")
      ("secret-file", po::value<std::string>(), "the shared secret (64 hex digits, a 0600 file we own), the same on both ends; else FABCHECK_SECRET")
      ("no-auth", "no authentication, on both ends (an isolated lab only: anyone who reaches the server can make it send)")
      ("max-duration", po::value<std::string>()->default_value("60s"), "server: longest test (warm-up included) it runs")
      ("max-rate", po::value<std::string>()->default_value("10Gbit/s"), "server: highest rate a test may ask; its unpaced flows run at this")
      ("max-flows", po::value<std::string>()->default_value("64"), "server: most flows per direction of a test")
      ("max-sessions", po::value<std::string>()->default_value("4"), "server: clients served at once")
      ("idle-timeout", po::value<std::string>()->default_value("30s"), "server: drop a client silent this long (before its hello or between tests)")
      ("transport", po::value<std::string>()->default_value("udp"), "data transport: udp, tcp, loop, verbs")
      ("pattern", po::value<std::string>()->default_value("stream"), "pingpong, stream or microburst")
      ("size", po::value<std::string>(), "message size in bytes, header included (e.g. 1400, 9000, 4KiB)")
      ("sweep", po::value<std::string>(), "message sizes MIN:MAX[:FACTOR] (factor 2 by default), one test each (-a MIN:MAX too)")
      ("flows,P", po::value<std::string>()->default_value("1"), "parallel flows (one connection each)")
      ("bidir", "stream: as many flows back from the server")
      ("rate,b", po::value<std::string>(), "target rate over all flows: bit/s (10G, 500Mbit/s), bytes/s (1GB/s) or packets/s (1Mpps)")
      ("burst", po::value<std::string>(), "microburst: bytes per burst")
      ("interval", po::value<std::string>(), "microburst: one burst every T (e.g. 100us)")
      ("duration,t", po::value<std::string>(), "measured phase length (e.g. 5s; default 5s, pingpong: 10000 iterations)")
      ("iterations,n", po::value<std::string>(), "messages per flow (pingpong: round trips) instead of a duration")
      ("warmup", po::value<std::string>(), "warm-up before measuring: a time (stream) or round trips (pingpong; default 100)")
      ("dscp", po::value<std::string>()->default_value("0"), "DSCP 0..63 on every data packet (IP TOS / traffic class)")
      ("ecn", po::value<std::string>()->default_value("0"), "ECN codepoint 0..3 to send (2 = ECT(0))")
      ("payload-check", "CRC-32C over every payload, verified on receipt")
      ("no-gso", "do not use UDP segmentation offload")
      ("no-gro", "do not use UDP receive coalescing")
      ("busy-poll", "pingpong: spin instead of sleeping while waiting")
      ("timeout", po::value<std::string>()->default_value("10s"), "every control-channel wait")
      ("json", "print one JSON object instead of the table")
      ("log-level", po::value<std::string>()->default_value("warn"), "trace, debug, info, warn, error, off");
  addPerftestOptions(o);
  return o;
}

// Integers given on the command line, with a message naming the option.
uint64_t parseCount(const po::variables_map& vm, const char* name, uint64_t lo, uint64_t hi) {
  const std::string text = vm[name].as<std::string>();
  size_t used = 0;
  unsigned long long v = 0;
  bool ok = !text.empty() && text[0] != '-' && text[0] != '+';
  if (ok) {
    try {
      v = std::stoull(text, &used);
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok || used != text.size() || v < lo || v > hi) {
    throw ConfigError(std::string("--") + name + " '" + text + "': expected a whole number from " +
                      std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

// The shared secret, or nullopt (with the warning printed) under --no-auth.
std::optional<protocol::RunSecret> secretOption(const po::variables_map& vm) {
  if (vm.count("no-auth")) {
    if (vm.count("secret-file")) throw ConfigError("give --secret-file or --no-auth, not both");
    std::fprintf(stderr, "fabcheck gen: %s\n", pair::kNoAuthWarning);
    return std::nullopt;
  }
  return pair::loadPairSecret(vm.count("secret-file") ? vm["secret-file"].as<std::string>() : std::string());
}

// --max-duration, --max-rate, --max-flows, --max-sessions.
pair::ServerLimits serverLimits(const po::variables_map& vm) {
  pair::ServerLimits l;
  l.max_duration_ns = model::parseDurationNs(vm["max-duration"].as<std::string>(), "--max-duration");
  const model::Rate rate = model::parseRate(vm["max-rate"].as<std::string>(), "--max-rate");
  if (rate.bits_per_second <= 0) {
    throw ConfigError("--max-rate '" + vm["max-rate"].as<std::string>() + "': expected a rate in bits or bytes per second");
  }
  l.max_rate_bps = rate.bits_per_second;
  l.max_flows = static_cast<uint32_t>(parseCount(vm, "max-flows", 1, 1024));
  l.max_sessions = static_cast<uint32_t>(parseCount(vm, "max-sessions", 1, 1024));
  return l;
}

int runServer(const po::variables_map& vm) {
  pair::ServerConfig cfg;
  cfg.secret = secretOption(vm);
  cfg.limits = serverLimits(vm);
  cfg.idle_timeout_ns = model::parseDurationNs(vm["idle-timeout"].as<std::string>(), "--idle-timeout");
  if (vm.count("bind")) cfg.bind = vm["bind"].as<std::string>();
  if (vm.count("interface")) cfg.bind_interface = vm["interface"].as<std::string>();
  cfg.port = static_cast<uint16_t>(parseCount(vm, "port", 0, 65535));
  cfg.once = vm.count("once") > 0;
  cfg.control_timeout_ns = model::parseDurationNs(vm["timeout"].as<std::string>(), "--timeout");
  cfg.local_extra = serverVerbsOptions(vm);
  if (!cfg.bind_interface.empty()) {  // a missing interface is a usage error now, not per test
    transport::TransportOptions probe;
    probe.bind_interface = cfg.bind_interface;
    transport::createTransport("udp", probe);
  }
  const auto& interrupted = installInterruptHandlers();
  // glibc gives each new thread that allocates its own arena (up to 8 per core); a session's
  // flow threads left ~7 MB in arenas that malloc_trim could not return (docs/PERFORMANCE.md,
  // "Pair server under hostile probes"). Two arenas suffice: flows allocate at set-up, not per
  // packet. MALLOC_ARENA_MAX in the environment still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) ::mallopt(M_ARENA_MAX, 2);
  pair::PairServer server(cfg);
  std::printf("fabcheck gen server listening on %s port %u (%s)\n", cfg.bind.c_str(), server.port(),
              cfg.secret ? "clients must hold its secret" : "NO AUTHENTICATION");
  std::fflush(stdout);
  const int failed = server.serve(interrupted);
  return failed > 0 && cfg.once ? kExitRuntime : kExitOk;
}

// The client's connection and transport settings (perftest's verbs options included).
pair::ClientConfig clientConfig(const po::variables_map& vm) {
  pair::ClientConfig cfg;
  cfg.host = vm["client"].as<std::string>();
  cfg.secret = secretOption(vm);
  cfg.port = static_cast<uint16_t>(parseCount(vm, "port", 1, 65535));
  cfg.transport = vm["transport"].as<std::string>();
  cfg.control_timeout_ns = model::parseDurationNs(vm["timeout"].as<std::string>(), "--timeout");
  cfg.busy_poll = vm.count("busy-poll") > 0;
  if (vm.count("bind")) cfg.local_address = vm["bind"].as<std::string>();
  if (vm.count("interface")) cfg.transport_options.bind_interface = vm["interface"].as<std::string>();
  auto& to = cfg.transport_options;
  to.dscp = static_cast<int>(parseCount(vm, "dscp", 0, 63));
  to.ecn = static_cast<int>(parseCount(vm, "ecn", 0, 3));
  to.segmentation = vm.count("no-gso") == 0;
  to.coalescing = vm.count("no-gro") == 0;
  applyPerftestOptions(vm, cfg.transport, to);
  return cfg;
}

// Message sizes: --size, --sweep MIN:MAX[:F] or perftest's -a.
void sizes(const po::variables_map& vm, pair::ClientConfig& cfg) {
  auto& p = cfg.params;
  if (vm.count("size") + vm.count("sweep") + vm.count("all-sizes") > 1) {
    throw ConfigError("give one of --size, --sweep and -a/--all-sizes, not several");
  }
  if (vm.count("all-sizes")) cfg.sizes = perftestSweep(cfg.transport);
  p.size_bytes = p.kind == patterns::PatternKind::kPingpong ? 64 : 1400;
  if (vm.count("size")) {
    const uint64_t size = model::parseSize(vm["size"].as<std::string>(), "--size");
    if (size > 0xffffffffu) throw ConfigError("--size '" + vm["size"].as<std::string>() + "': too large");
    p.size_bytes = static_cast<uint32_t>(size);
  }
  if (vm.count("sweep")) {
    for (uint64_t s : model::expandSweep(model::parseSweep(vm["sweep"].as<std::string>(), "--sweep"))) {
      if (s > 0xffffffffu) throw ConfigError("--sweep: size " + std::to_string(s) + " too large");
      cfg.sizes.push_back(static_cast<uint32_t>(s));
    }
  }
}

// The pattern, its pacing and its length.
void patternParams(const po::variables_map& vm, pair::ClientConfig& cfg) {
  auto& p = cfg.params;
  p.kind = patterns::parsePatternKind(vm["pattern"].as<std::string>(), "--pattern");
  p.flows = static_cast<uint32_t>(parseCount(vm, "flows", 1, 1024));
  p.bidirectional = vm.count("bidir") > 0 || vm.count("bidirectional") > 0;
  p.payload_check = vm.count("payload-check") > 0;
  sizes(vm, cfg);
  if (vm.count("rate")) {
    const model::Rate r = model::parseRate(vm["rate"].as<std::string>(), "--rate");
    p.rate_bps = r.bits_per_second;
    p.rate_pps = r.packets_per_second;
  }
  if (vm.count("burst")) p.burst_bytes = model::parseSize(vm["burst"].as<std::string>(), "--burst");
  if (vm.count("interval")) p.burst_interval_ns = model::parseDurationNs(vm["interval"].as<std::string>(), "--interval");
  if (vm.count("duration") && vm.count("iterations")) throw ConfigError("give --duration or --iterations, not both");
  if (vm.count("duration")) p.duration_ns = model::parseDurationNs(vm["duration"].as<std::string>(), "--duration");
  if (vm.count("iterations")) p.iterations = parseCount(vm, "iterations", 1, UINT64_MAX / 2);
  if (p.duration_ns == 0 && p.iterations == 0) {
    if (p.kind == patterns::PatternKind::kPingpong) p.iterations = 10000;
    else p.duration_ns = 5'000'000'000;
  }
  if (p.kind == patterns::PatternKind::kPingpong) {
    p.warmup_iterations = vm.count("warmup") ? parseCount(vm, "warmup", 0, UINT64_MAX / 2) : 100;
  } else if (vm.count("warmup")) {
    p.warmup_ns = model::parseDurationNs(vm["warmup"].as<std::string>(), "--warmup");
  }
}

// The table as each size finishes: perftest's columns for verbs, fabcheck's (with loss) else.
pair::SizeCallback tablePrinter(const pair::ClientConfig& cfg, bool report_gbits) {
  const bool perftest = cfg.transport == "verbs";
  return [perftest, report_gbits, kind = cfg.params.kind, header_done = false](const pair::PairRun& run,
                                                                              const pair::SizeResult& s) mutable {
    if (!header_done) {
      if (perftest) {
        std::string h = pair::perftestRule() + pair::perftestHeader(kind, report_gbits);
        if (!run.properties.caveat.empty()) h = " # " + run.properties.caveat + "\n" + h;
        std::fputs(h.c_str(), stdout);
      } else {
        std::fputs(pair::tableHeader(run, kind).c_str(), stdout);
      }
      header_done = true;
    }
    std::fputs((perftest ? pair::perftestRow(s, report_gbits) : pair::tableRow(s)).c_str(), stdout);
    std::fflush(stdout);
  };
}

int runClient(const po::variables_map& vm) {
  pair::ClientConfig cfg = clientConfig(vm);
  patternParams(vm, cfg);
  const bool json_out = vm.count("json") > 0;
  const auto& interrupted = installInterruptHandlers();
  pair::PairRun run = pair::runPairClient(cfg, interrupted,
                                          json_out ? pair::SizeCallback() : tablePrinter(cfg, vm.count("report-gbits") > 0));
  if (json_out) {
    std::cout << pair::summarizeRun(run).dump(2) << std::endl;
  } else {
    if (cfg.transport == "verbs" && !run.sizes.empty()) std::fputs(pair::perftestRule().c_str(), stdout);
    if (run.interrupted) {
      std::fprintf(stderr, "fabcheck gen: interrupted; %zu of %zu sizes finished\n", run.sizes.size(),
                   cfg.sizes.empty() ? size_t{1} : cfg.sizes.size());
    }
  }
  return run.interrupted ? kExitRuntime : kExitOk;
}

}  // namespace

int runGen(int argc, char** argv) {
  po::variables_map vm;
  const po::options_description opts = genOptions();
  try {
    const std::vector<std::string> args = perftestArgs(argc, argv);  // -a MIN:MAX is --sweep
    po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "fabcheck gen: %s (see fabcheck gen --help)\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << kGenUsage << "\n" << opts << std::endl;
    return kExitOk;
  }
  try {
    log::configure("gen", vm["log-level"].as<std::string>());
    const bool server = vm.count("server") > 0, client = vm.count("client") > 0;
    if (server == client) throw ConfigError("give exactly one of --server and --client HOST");
    return server ? runServer(vm) : runClient(vm);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck gen: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fabcheck gen: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace fabcheck::cli
