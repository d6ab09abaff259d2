// `fabcheck gen`'s perftest vocabulary for the verbs transport (ib_write_bw, ib_send_lat...):
// --verb, -q/--qps, -x/--gid-index, -d/--device, -i/--ib-port, --mtu, --sl, --tx-depth, -l/
// --post-list, --cq-mod, -I/--inline-size, -u/--qp-timeout, ... into TransportOptions.extra
// (generators/transport/verbs/verbs_options.h), --tclass into dscp/ecn, -a (perftest's sweep),
// --report-gbits.
//
// Short options that perftest uses for something else here keep their old meaning (scripts
// rely on them): -s is --server (perftest: size; use --size), -t is --duration (perftest:
// tx-depth; use --tx-depth), -b is --rate (perftest: bidirectional; use --bidirectional),
// -c is --client (perftest: connection; use --connection). -a without a value is perftest's
// sweep; `-a MIN:MAX[:F]` still means --sweep MIN:MAX[:F].
#pragma once

#include <boost/program_options.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "generators/transport/transport.h"

namespace fabcheck::cli {

// Adds the perftest/verbs options to `o`.
void addPerftestOptions(boost::program_options::options_description& o);

// argv with `-a MIN:MAX[:F]` rewritten to `--sweep MIN:MAX[:F]` (the old meaning of -a).
std::vector<std::string> perftestArgs(int argc, char** argv);

// Client: the verbs options given into `to.extra` (each checked; ConfigError "--qps '0':
// expected ..."), and --tclass into dscp/ecn. A verbs option with another transport is a
// ConfigError naming it.
void applyPerftestOptions(const boost::program_options::variables_map& vm, const std::string& transport,
                          transport::TransportOptions& to);

// Server: its own device, port and GID index (--device, --ib-port, --gid-index); any other verbs
// option is a ConfigError (the client's choice, sent with each test).
std::map<std::string, std::string> serverVerbsOptions(const boost::program_options::variables_map& vm);

// perftest -a: powers of two from 2 up to 2^23, capped at the largest message of `transport`;
// two-sided messages start at the smallest power of two that holds fabcheck's wire header.
std::vector<uint32_t> perftestSweep(const std::string& transport);

}  // namespace fabcheck::cli
