// A connected UDP socket as a Connection (transport.h): the "udp" transport's data path.
//
// Contract (beyond transport.h):
// - postSend batches every op given into sendmmsg() calls of up to kSendBatch datagrams. An op
//   with segment_size > 0 goes out as GSO super-datagrams (UDP_SEGMENT, <= kMaxGsoSegments
//   segments and <= the largest UDP payload each) when GSO is on, else as one datagram per
//   segment. Sends complete on the next poll() as soon as the kernel took all their datagrams;
//   an op the socket took only part of (buffer full) is accepted and finished by later
//   postSend()/poll() calls, keeping its buffer until its completion. EAGAIN/ENOBUFS stop
//   accepting (a prefix is returned, send_backpressure counted); other errors complete the op
//   with kError and the errno (send_errors). Non-kSend opcodes complete with kUnsupported;
//   oversize ops with kError/EMSGSIZE.
// - postRecv keeps up to kMaxPostedRecvs buffers. poll() returns queued completions, then reads
//   with recvmmsg(MSG_DONTWAIT) into posted buffers, and only if nothing came waits in ppoll()
//   up to the timeout. It returns 0 at once when nothing can complete (no posted receive and no
//   unfinished send). With GRO a completion may hold several datagrams (segment_size = stride).
//   Posting a buffer smaller than the largest UDP payload switches GRO off for this socket so
//   that coalesced batches are never truncated.
// - Handshake datagrams (udp_handshake.h) that arrive late are never returned as data: a HELLO
//   from the accepted peer is answered with an ACK (server side), and all are dropped.
// - Receive errors reported by the socket (ECONNREFUSED after the peer went away) complete one
//   posted receive with kError and the errno.
// No allocation and no exception on the data path.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "generators/transport/transport.h"
#include "generators/transport/udp/fixed_ring.h"
#include "generators/transport/udp/udp_socket.h"

namespace fabcheck::transport::udp {

constexpr size_t kSendBatch = 256;        // datagrams per sendmmsg()
constexpr size_t kRecvBatch = 256;        // datagrams per recvmmsg()
constexpr size_t kMaxPostedRecvs = 1024;  // outstanding receive buffers
constexpr uint32_t kMaxGsoSegments = 64;  // UDP_MAX_SEGMENTS on older kernels
constexpr uint32_t kMaxPostBytes = 64u << 20;  // largest SendOp.length accepted
constexpr size_t kRecvCmsgBytes = 256;    // room for GRO + TOS/TCLASS + SCM_TIMESTAMPING

struct UdpConnectionConfig {
  int family = AF_INET;
  SocketSetup setup;
  uint64_t nonce = 0;       // the handshake nonce of this connection
  bool is_server = false;   // answers repeated HELLOs with ACKs
};

class UdpConnection final : public Connection {
 public:
  // Takes a connected, configured, non-blocking socket. Throws TransportError (getsockname).
  UdpConnection(Fd fd, const UdpConnectionConfig& config);

  MemoryRegion registerMemory(std::byte* data, size_t size) override;
  void deregisterMemory(MemoryRegion& region) noexcept override;
  size_t postSend(std::span<const SendOp> ops) noexcept override;
  size_t postRecv(std::span<const RecvOp> ops) noexcept override;
  size_t poll(std::span<Completion> out, int64_t timeout_ns) noexcept override;
  ConnectionStats stats() const noexcept override { return stats_; }
  int readinessFd() const noexcept override { return fd_.get(); }
  std::string describe() const override { return description_; }

  // The socket, for inspection (tests read IP_TOS with getsockopt). Owned by the connection.
  int nativeHandle() const noexcept { return fd_.get(); }
  bool gsoEnabled() const noexcept { return gso_; }
  bool groEnabled() const noexcept { return gro_; }
  TimestampSource timestampMode() const noexcept { return ts_mode_; }

 private:
  struct PartialSend {  // an accepted op not fully sent yet
    SendOp op;
    uint32_t offset = 0;
    bool active = false;
  };
  static constexpr uint32_t kFromPartial = UINT32_MAX;

  // Send path (udp_connection.cpp).
  size_t sendLoop(std::span<const SendOp> ops) noexcept;
  bool validSend(const SendOp& op, Completion& failed) const noexcept;
  // Adds datagrams of `op` from `offset` to the batch; returns the offset reached.
  uint32_t addMessages(const SendOp& op, uint32_t offset, uint32_t source, size_t& n) noexcept;
  void completeSend(const SendOp& op, OpStatus status, int error, uint32_t bytes) noexcept;

  // Receive path (udp_connection_recv.cpp).
  size_t receiveInto(std::span<Completion> out) noexcept;
  bool fillRecvCompletion(size_t j, const RecvOp& r, int64_t user_ts, Completion& c) noexcept;
  bool isHandshake(const std::byte* p, size_t len) noexcept;  // and answers it

  Fd fd_;
  uint32_t max_payload_;
  bool gso_;
  bool gro_;
  TimestampSource ts_mode_;
  uint64_t nonce_;
  bool is_server_;
  std::string description_;
  ConnectionStats stats_;

  FixedRing<Completion> completions_;
  FixedRing<RecvOp> posted_;
  PartialSend partial_;
  // The last receive found the socket empty (EAGAIN, or fewer datagrams than asked for). A
  // waiting poll() then goes straight to ppoll() instead of paying for a receive that would
  // find nothing; ppoll is level-triggered, so nothing that arrived meanwhile is missed.
  bool drained_ = false;

  // Pre-allocated sendmmsg batch.
  std::vector<mmsghdr> smsgs_;
  std::vector<iovec> siov_;
  std::vector<uint32_t> smsg_source_;  // index into ops, or kFromPartial
  std::vector<uint32_t> smsg_end_;     // op offset after this datagram
  std::vector<uint8_t> smsg_last_;     // last datagram of its op
  std::vector<std::array<uint64_t, 4>> scmsg_;  // one UDP_SEGMENT cmsg each (aligned storage)

  // Pre-allocated recvmmsg batch.
  std::vector<mmsghdr> rmsgs_;
  std::vector<iovec> riov_;
  std::vector<std::array<uint64_t, kRecvCmsgBytes / 8>> rcmsg_;
};

}  // namespace fabcheck::transport::udp
