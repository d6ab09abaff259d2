// The software verbs device: a VerbsApi that behaves like a RoCEv2 NIC and its kernel driver,
// for tests (no RDMA hardware needed, no libibverbs linked: headers only).
//
// Contract
// - One device per fabric process view, one port (1), link layer Ethernet, state ACTIVE,
//   active_mtu/max_mtu from the config, pkey table {0xffff}. GID table as the kernel builds it:
//   index 0/1 = fe80:: link-local GID of a made-up MAC (RoCE v1 / v2), then for every address a
//   RoCE v1 and a RoCE v2 entry (IPv4 as ::ffff:a.b.c.d); ndev_ifindex = the interface's index.
// - Processes whose devices share `fabric_dir` share one soft fabric: each device binds a unix
//   datagram socket there, and QPNs (24-bit, unique across the fabric) are registered as files
//   `<fabric_dir>/qpn/<qpn>`. A packet reaches a QP only if its destination GID is one of the
//   target device's GIDs (a wrong GID gets nowhere: RC retries until IBV_WC_RETRY_EXC_ERR).
// - Not a packet-level model: an RC message travels whole in one datagram up to 64 KiB and in
//   64 KiB pieces above (one PSN per piece, one PSN per READ request); the path MTU is checked
//   against the port but does not packetise. UD does enforce the MTU (payload > active MTU is
//   IBV_WC_LOC_LEN_ERR at the sender). Back-pressure (the peer's socket queue full) keeps packets
//   queued, as a lossless fabric would; a vanished peer is a dead path.
// - Enforced as a kernel and a NIC do: QP state transitions with their required and allowed
//   attribute masks (RC, UD), path MTU <= active MTU, GRH (is_global) on every RoCE address
//   vector, valid sgid_index; post_recv from INIT, post_send in RTS (ERR: flushed), queue
//   overflow ENOMEM, SGE count and inline size, lkeys/rkeys/bounds/access flags (as completion
//   errors, like a NIC), selective signalling occupying SQ slots until a later signalled
//   completion is polled, RNR NAK and retry, ACK timeout and retry, LOC_LEN/REM_INV_REQ,
//   REM_ACCESS, flush on error, CQ overrun (pollCq < 0 from then on, QPs to ERR).
// - Completion timestamps and readClock use CLOCK_MONOTONIC_RAW nanoseconds (1 GHz clock).
// - Not modelled: atomics (post_send EINVAL), SRQ (EOPNOTSUPP), SQD/SQE states, alternate
//   paths, solicited-only notification (any completion fires an armed CQ), the count of
//   outstanding READs (only max_rd_atomic/max_dest_rd_atomic == 0 is enforced), ackCqEvents
//   bookkeeping, MR deregistration while in use. A UD GRH is always in its IPv6 layout. A
//   responder that NAKs a remote access error or an invalid request also moves to ERR.
#pragma once

#include <infiniband/verbs.h>

#include <memory>
#include <string>
#include <vector>

#include "generators/transport/verbs/verbs_api.h"

namespace fabcheck::transport::verbs {

struct SoftDeviceConfig {
  std::string fabric_dir;  // shared directory = one soft fabric
  std::string device_name = "softroce0";
  ibv_mtu active_mtu = IBV_MTU_1024;
  uint32_t max_inline_data = 256;
  bool completion_timestamps = true;
  // IP addresses for the GID table; empty = every IPv4/IPv6 address of the host (loopback too).
  std::vector<std::string> addresses;
};

enum class SoftFault {
  kNone,
  kPathDead,      // nothing reaches peers: RC requesters get IBV_WC_RETRY_EXC_ERR
  kRemoteAccess,  // responders NAK every RDMA WRITE/READ/WRITE_IMM with a remote access error
};

// Throws ConfigError when fabric_dir is empty or cannot be created.
std::shared_ptr<VerbsApi> createSoftVerbsApi(const SoftDeviceConfig& config);

// Applies to every device opened from `soft_api` (now and later). Throws ConfigError when
// `soft_api` is not a software device.
void setSoftFault(VerbsApi& soft_api, SoftFault fault);

// Test hook: the traffic class of the GRH of the last packet a soft QP received (-1: none yet).
// The receiver sees it also in the GRH a UD receive buffer starts with.
int softReceivedTrafficClass(VerbsApi& soft_api, ibv_qp* qp);

// From the environment: FABCHECK_VERBS_SOFTWARE=<fabric dir> (required),
// FABCHECK_VERBS_SOFTWARE_MTU=256|512|1024|2048|4096, FABCHECK_VERBS_SOFTWARE_FAULT=
// none|path_dead|remote_access. nullptr when FABCHECK_VERBS_SOFTWARE is unset; ConfigError for
// a bad value (naming the variable, the value and what was expected).
std::shared_ptr<VerbsApi> softVerbsApiFromEnvironment();

}  // namespace fabcheck::transport::verbs
