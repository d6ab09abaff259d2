// `fabcheck gen`'s perftest options (gen_perftest_options.h).
#include "harness/cli/gen_perftest_options.h"

#include <algorithm>

#include "generators/core/errors.h"
#include "generators/measure/wire_header.h"
#include "generators/transport/verbs/verbs_options.h"

namespace fabcheck::cli {
namespace {

namespace po = boost::program_options;

// Command-line option → verbs key (verbs_options.h), in that file's order.
struct VerbsFlag {
  const char* option;
  const char* key;
};
constexpr VerbsFlag kVerbsFlags[] = {
    {"verb", "verb"},          {"connection", "connection"}, {"qps", "qps"},
    {"device", "device"},      {"ib-port", "port"},          {"gid-index", "gid_index"},
    {"mtu", "mtu"},            {"sl", "sl"},                 {"qp-timeout", "timeout"},
    {"retry-cnt", "retry_cnt"}, {"rnr-retry", "rnr_retry"},   {"min-rnr-timer", "min_rnr_timer"},
    {"tx-depth", "tx_depth"},  {"rx-depth", "rx_depth"},     {"post-list", "post_list"},
    {"cq-mod", "cq_mod"},      {"inline-size", "inline"}};

bool hostLocal(const std::string& key) { return key == "device" || key == "port" || key == "gid_index"; }

// "--qps '0': expected ..." from checkVerbsOption's "option 'qps' is '0'; expected ...".
void check(const char* option, const char* key, const std::string& value) {
  const std::string why = transport::verbs::checkVerbsOption(key, value);
  if (why.empty()) return;
  const auto at = why.find("; expected ");
  throw ConfigError(std::string("--") + option + " '" + value + "': " +
                    (at == std::string::npos ? why : why.substr(at + 2)));
}

}  // namespace

void addPerftestOptions(po::options_description& o) {
  o.add_options()
      ("verb", po::value<std::string>(), "verbs: send (default), write_imm, write or read; write/read measure at the initiator (ib_write_bw, ib_read_bw), stream only")
      ("connection", po::value<std::string>(), "verbs: rc (default) or ud (SEND only, messages up to 4096 bytes)")
      ("qps,q", po::value<std::string>(), "verbs: queue pairs per connection, 1..64 (default 1; perftest -q)")
      ("device,d", po::value<std::string>(), "verbs: RDMA device (default: the one carrying the data address)")
      ("ib-port,i", po::value<std::string>(), "verbs: device port 1..255 (default: as the device)")
      ("gid-index,x", po::value<std::string>(), "verbs: GID index 0..1023 (default: the RoCE v2 GID of the data address)")
      ("mtu", po::value<std::string>(), "verbs: path MTU 256|512|1024|2048|4096 (default: the smaller active MTU of the ends)")
      ("sl", po::value<std::string>(), "verbs: IB service level 0..15 (default 0)")
      ("qp-timeout,u", po::value<std::string>(), "verbs: local ACK timeout exponent 0..31 (default 14: 67 ms)")
      ("retry-cnt", po::value<std::string>(), "verbs: transport retries 0..7 (default 7)")
      ("rnr-retry", po::value<std::string>(), "verbs: RNR retries 0..7, 7 = forever (default 7)")
      ("min-rnr-timer", po::value<std::string>(), "verbs: RNR timer 0..31, IB encoding (default 12: 0.64 ms)")
      ("tx-depth", po::value<std::string>(), "verbs: send queue depth 1..8192 (default 128; perftest -t, here -t is --duration)")
      ("rx-depth,r", po::value<std::string>(), "verbs: receive queue depth 1..8192 (default 512)")
      ("post-list,l", po::value<std::string>(), "verbs: work requests per post 1..256 (default 1)")
      ("cq-mod", po::value<std::string>(), "verbs: signal one send in N, 1..1024 (default 1)")
      ("inline-size,I", po::value<std::string>(), "verbs: largest inline send 0..1024 bytes (default: min(device limit, 236))")
      ("tclass", po::value<std::string>(), "traffic class byte 0..255: DSCP = tclass >> 2, ECN = tclass & 3 (instead of --dscp/--ecn)")
      ("all-sizes,a", "perftest -a: every power of two from 2 to 2^23 bytes (capped at the transport's largest message)")
      ("report-gbits", "table: bandwidth in Gb/sec instead of MB/sec (perftest --report_gbits)")
      ("bidirectional", "stream: as many flows back from the server (same as --bidir)");
}

std::vector<std::string> perftestArgs(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "-a" && args[i + 1].find(':') != std::string::npos) args[i] = "--sweep";
  }
  return args;
}

void applyPerftestOptions(const po::variables_map& vm, const std::string& transport, transport::TransportOptions& to) {
  for (const auto& f : kVerbsFlags) {
    if (!vm.count(f.option)) continue;
    const std::string value = vm[f.option].as<std::string>();
    if (transport != "verbs") {
      throw ConfigError(std::string("--") + f.option + " '" + value + "': a verbs option; this run's transport is " +
                        transport + " (give --transport verbs)");
    }
    check(f.option, f.key, value);
    to.extra[f.key] = value;
  }
  if (vm.count("tclass")) {
    if (!vm["dscp"].defaulted() || !vm["ecn"].defaulted()) {
      throw ConfigError("--tclass sets DSCP and ECN; give --tclass or --dscp/--ecn, not both");
    }
    const std::string text = vm["tclass"].as<std::string>();
    size_t used = 0;
    int tclass = -1;
    try {
      tclass = std::stoi(text, &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() || tclass < 0 || tclass > 255 || text[0] == '-' || text[0] == '+') {
      throw ConfigError("--tclass '" + text + "': expected a traffic class byte 0..255 (DSCP << 2 | ECN)");
    }
    to.dscp = tclass >> 2;
    to.ecn = tclass & 3;
  }
}

std::map<std::string, std::string> serverVerbsOptions(const po::variables_map& vm) {
  std::map<std::string, std::string> extra;
  for (const auto& f : kVerbsFlags) {
    if (!vm.count(f.option)) continue;
    const std::string value = vm[f.option].as<std::string>();
    if (!hostLocal(f.key)) {
      throw ConfigError(std::string("--") + f.option + " '" + value +
                        "': the client chooses it for each test; a server takes only --device, --ib-port, --gid-index");
    }
    check(f.option, f.key, value);
    extra[f.key] = value;
  }
  return extra;
}

std::vector<uint32_t> perftestSweep(const std::string& transport) {
  const uint32_t largest = std::min<uint32_t>(transport::transportKindProperties(transport).max_message_bytes, 1u << 23);
  std::vector<uint32_t> sizes;
  for (uint32_t s = 2; s <= largest && s != 0; s *= 2) {
    if (s >= measure::kWireHeaderSize) sizes.push_back(s);
  }
  return sizes;
}

}  // namespace fabcheck::cli
