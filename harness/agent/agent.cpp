#include "harness/agent/agent.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/futex_hash.h"
#include "generators/core/host_facts.h"
#include "generators/core/host_info.h"
#include "generators/core/interfaces.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "generators/transport/transport.h"
#include "harness/agent/agent_session.h"
#include "harness/counters/lldp_neighbour.h"
#include "harness/counters/nic_selection.h"
#include "harness/process/command_runner.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::agent {
namespace {

using Channel = protocol::AuthenticatedChannel;

// The data interface's LLDP neighbour from this host's lldpd (FABCHECK_LLDP_SOCKET, else
// lldpd's default socket), or why there is none.
void addLldpNeighbour(const std::string& data_address, protocol::msg::Register& reg) {
  try {
    const counters::NicSelection nic = counters::selectNic({.address = data_address});
    reg.lldp_interface = nic.interface;
    if (nic.interface.empty()) {
      reg.lldp_reason = "no data interface found for " + data_address + ": " + nic.reason;
      return;
    }
    process::SystemCommandRunner runner;
    const counters::LldpLookup l = counters::readLldpNeighbour(
        {.interface = nic.interface, .socket = counters::lldpSocketFromEnvironment()}, runner);
    if (l.neighbour) {
      reg.lldp_switch = l.neighbour->switch_name;
      reg.lldp_port = l.neighbour->port;
    } else {
      reg.lldp_reason = l.reason;
    }
  } catch (const std::exception& e) {
    reg.lldp_reason = e.what();
  }
}

// This host's facts as seen from `data_address`, gathered once per process and data address
// (a process serving many identities asks lldpd and lists interfaces once, not per identity).
protocol::msg::Register hostFacts(int agent_id, const std::string& data_address) {
  static std::mutex mutex;
  static std::map<std::string, protocol::msg::Register> cache;
  const std::lock_guard lock(mutex);
  if (auto it = cache.find(data_address); it != cache.end()) return it->second;
  protocol::msg::Register reg;
  reg.host = hostName();
  reg.boot_id = bootId();
  reg.fabcheck_version = kVersion;
  reg.pid = static_cast<int>(getpid());
  reg.transports = transport::transportNames();
  reg.kernel = kernelRelease();
  reg.clock_source = clockSource();
  reg.rdma_devices = rdmaDevices();
  try {
    reg.interfaces = listInterfaces();
  } catch (const Error& e) {
    log::warn("agent {}: registering without interfaces: {}", agent_id, e.what());
  }
  addLldpNeighbour(data_address, reg);
  if (!reg.lldp_switch) log::debug("agent {}: no LLDP neighbour: {}", agent_id, reg.lldp_reason.value_or(""));
  return cache[data_address] = reg;
}

// Who this agent is and its host's facts, for the controller.
protocol::msg::Register registration(const AgentOptions& o, const std::string& data_address) {
  protocol::msg::Register reg = hostFacts(o.agent_id, data_address);
  reg.agent_id = o.agent_id;
  return reg;
}

// Each identity is a session thread, and per test an accept and a flow thread or two
// (futex_hash.h: on 6.16+ kernels a default-sized hash makes their wakes cost O(threads)).
constexpr int kThreadsPerIdentity = 4;

int runIdentities(const AgentOptions& o, const std::atomic<bool>& stop) {
  const int slots = sizeFutexHash(o.identities * kThreadsPerIdentity);
  log::debug("agent {}: {} identities, futex hash buckets {}", o.agent_id, o.identities, slots);
  std::vector<int> codes(static_cast<size_t>(o.identities), 0);
  std::vector<std::thread> threads;
  threads.reserve(codes.size());
  for (int i = 0; i < o.identities; ++i) {
    AgentOptions one = o;
    one.agent_id = o.agent_id + i;
    one.identities = 1;
    one.send_log = false;  // the log buffer is process-wide: another identity's lines would go along
    threads.emplace_back([one, &stop, &codes, i] {
      codes[static_cast<size_t>(i)] = runAgent(one, stop);
    });
  }
  for (auto& t : threads) t.join();
  return *std::max_element(codes.begin(), codes.end());
}

// "10.0 s": how long after its start an agent may take to register.
std::string registrationWindow(const AgentOptions& o) {
  return fmt::format("{:.1f} s", static_cast<double>(o.connect_timeout_ns) / 1e9);
}

// The control connection, retried with capped backoff (20 ms doubling to 1 s) while the
// controller refuses, resets or does not answer, until `deadline`. The first failure is logged
// once; at the deadline one error names the controller and the last failure, and nullopt returns.
std::optional<protocol::ControlChannel> connectUntil(const AgentOptions& o, int64_t deadline,
                                                     const std::atomic<bool>& stop, bool& warned) {
  int64_t backoff = 20 * kNsPerMs;
  for (;;) {
    std::string why;
    try {
      return protocol::ControlChannel::connect(o.controller_host, o.controller_port,
                                               std::max<int64_t>(deadline - monoNowNs(), 1),
                                               "is the controller still running?");
    } catch (const TransportError& e) {
      why = e.what();
    } catch (const TimeoutError& e) {
      why = e.what();
    }
    const int64_t left = deadline - monoNowNs();
    if (left <= 0 || stop.load()) {
      log::error("agent {}: gave up registering with the controller at {}:{} after {}: {}", o.agent_id,
                 o.controller_host, o.controller_port, registrationWindow(o), why);
      return std::nullopt;
    }
    if (!warned) {
      log::warn("agent {}: {}; retrying until {} after start", o.agent_id, why, registrationWindow(o));
      warned = true;
    }
    const int64_t until = monoNowNs() + std::min(backoff, left);
    while (!stop.load() && monoNowNs() < until) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(until - monoNowNs(), 50 * kNsPerMs)));
    }
    backoff = std::min<int64_t>(backoff * 2, kNsPerSec);
  }
}

}  // namespace

int runAgent(const AgentOptions& o, const std::atomic<bool>& stop) {
  if (o.identities > 1) return runIdentities(o, stop);
  protocol::RunSecret secret;
  try {
    secret = protocol::loadRunSecret(o.secret_file);
  } catch (const ConfigError& e) {
    log::error("agent {}: {}", o.agent_id, e.what());
    return 2;
  }
  const int64_t deadline = monoNowNs() + o.connect_timeout_ns;
  bool warned = false;
  for (;;) {
    std::optional<protocol::ControlChannel> raw = connectUntil(o, deadline, stop, warned);
    if (!raw) return 3;
    Channel ch(std::move(*raw), secret, Channel::Role::kConnector);
    std::optional<AgentSession> session;
    try {
      const std::string data_address = o.data_address.empty() ? ch.localAddress() : o.data_address;
      ch.send(protocol::encode(registration(o, data_address)), o.connect_timeout_ns);
      session.emplace(ch, o, stop);
      return session->serve();
    } catch (const TransportError& e) {
      // Closed or reset before the controller said anything: it dropped the connection before it
      // read our registration (its pending connections were full). Register again in time.
      if ((session && session->heardFromController()) || monoNowNs() >= deadline) {
        log::error("agent {}: {}", o.agent_id, e.what());
        return 1;
      }
      if (!warned) {
        log::warn("agent {}: {}; registering again until {} after start", o.agent_id, e.what(),
                  registrationWindow(o));
        warned = true;
      }
    } catch (const std::exception& e) {
      log::error("agent {}: {}", o.agent_id, e.what());
      return 1;
    }
  }
}

}  // namespace fabcheck::agent
