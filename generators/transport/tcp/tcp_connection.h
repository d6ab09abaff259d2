// A connected TCP socket as a Connection (transport.h): the "tcp" transport's data path.
//
// Messages over a byte stream. Every posted send is one frame on the wire: an 8-byte header
// (u32 big-endian length, u32 big-endian segment size: 0 = one message of `length` bytes, else a
// run of messages of that size, the last may be shorter) and the bytes. The receiver restores
// the message boundaries, so a receive completion holds whole messages as with udp: one
// message, or (coalescing, as GRO) several of one frame's messages at stride segment_size.
//
// Contract (beyond transport.h):
// - postSend writes every op it is given with one writev() per up to kMaxOpsPerWrite ops
//   (header and data as separate iovecs: no copy). Sends complete on the next poll() once the
//   kernel took all their bytes (TCP then delivers them or fails the connection: the transport
//   is reliable). An op the socket took only part of is accepted and finished by later
//   postSend()/poll() calls, keeping its buffer until its completion; ops after it are not
//   accepted (a prefix is returned, send_backpressure counted). Non-kSend opcodes complete
//   with kUnsupported; an op over kTcpMaxPostBytes, or whose segment size is larger than
//   kTcpMaxMessage, with kError/EMSGSIZE.
// - postRecv keeps up to kTcpMaxPostedRecvs buffers, filled in posting order. Small frames are
//   read in 64 KiB gulps into a staging buffer and copied out; the body of a large frame is read
//   straight into the posted buffer. A message larger than the buffer fills it, completes with
//   kTruncated (bytes = capacity) and the rest of that message is discarded.
// - poll() returns queued completions, finishes a partly written send, fills posted buffers
//   from the socket (MSG_DONTWAIT), and only if nothing completed waits in ppoll() up to the
//   timeout. It returns 0 at once when nothing can complete.
// - The peer closing the connection between frames is quiet (a finished sender); closing in the
//   middle of a frame, a reset or any socket error completes the posted receives (and every
//   later op) with kError and the errno (EPIPE for a close mid-frame, EPROTO for a malformed
//   frame header). Receive timestamps are user-space (CLOCK_REALTIME after the read).
// No allocation and no exception on the data path.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "generators/transport/inet/inet_socket.h"
#include "generators/transport/transport.h"
#include "generators/transport/udp/fixed_ring.h"

namespace fabcheck::transport::tcp {

constexpr uint32_t kTcpFrameHeaderBytes = 8;
constexpr uint32_t kTcpMaxMessage = 16u << 20;     // largest single message
constexpr uint32_t kTcpMaxPostBytes = 64u << 20;   // largest SendOp.length
constexpr size_t kTcpMaxPostedRecvs = 1024;
constexpr size_t kMaxOpsPerWrite = 256;            // 2 iovecs each, under IOV_MAX
constexpr size_t kStagingBytes = 64 * 1024;

class TcpConnection final : public Connection {
 public:
  // Takes a connected, configured, non-blocking TCP socket. Throws TransportError.
  explicit TcpConnection(inet::Fd fd);

  MemoryRegion registerMemory(std::byte* data, size_t size) override;
  void deregisterMemory(MemoryRegion& region) noexcept override;
  size_t postSend(std::span<const SendOp> ops) noexcept override;
  size_t postRecv(std::span<const RecvOp> ops) noexcept override;
  size_t poll(std::span<Completion> out, int64_t timeout_ns) noexcept override;
  ConnectionStats stats() const noexcept override { return stats_; }
  int readinessFd() const noexcept override { return fd_.get(); }
  std::optional<TcpPathInfo> tcpInfo() const noexcept override;
  std::string describe() const override { return description_; }

  int nativeHandle() const noexcept { return fd_.get(); }

 private:
  struct Writing {  // an accepted op not fully written yet (header included)
    SendOp op;
    std::array<unsigned char, kTcpFrameHeaderBytes> header{};
    uint64_t written = 0;
    bool active = false;
  };
  struct Frame {  // the frame being received
    bool open = false;
    uint32_t remaining = 0;  // body bytes not yet consumed
    uint32_t segment = 0;    // message size in this frame
  };
  struct Filling {  // the posted receive being filled
    bool active = false;
    RecvOp op;
    uint32_t filled = 0;
    uint32_t limit = 0;       // bytes this completion takes from the frame
    bool truncated = false;   // a message larger than the buffer
  };

  // Send path (tcp_connection.cpp).
  bool finishWriting() noexcept;  // true when nothing is left partly written
  void completeSend(const SendOp& op, OpStatus status, int error, uint32_t bytes) noexcept;
  bool rejectSend(const SendOp& op) noexcept;  // completes an op that can never run; true if so
  // Writes ops[0..n) in one writev; returns how many were accepted (written or partly written).
  size_t writeOps(std::span<const SendOp> ops) noexcept;

  // Receive path (tcp_connection_recv.cpp).
  void receiveInto() noexcept;      // fills posted buffers, queueing their completions
  bool readHeader() noexcept;        // opens the next frame from staging/socket; false: no header yet
  bool startFilling() noexcept;      // takes a posted buffer for the open frame; false: none posted
  bool fill() noexcept;              // moves body bytes into the buffer; false: socket drained
  bool discard() noexcept;           // drops the rest of a truncated message; false: drained
  void finishFilling(Completion& c) noexcept;
  ssize_t readStaging(size_t want) noexcept;  // appends socket bytes to staging
  void fail(int error) noexcept;     // the connection broke: every posted receive errs

  inet::Fd fd_;
  std::string description_;
  ConnectionStats stats_;
  udp::FixedRing<Completion> completions_;
  udp::FixedRing<RecvOp> posted_;
  Writing writing_;
  std::vector<iovec> iov_;
  std::vector<std::array<unsigned char, kTcpFrameHeaderBytes>> headers_;

  std::vector<std::byte> staging_;
  size_t stage_begin_ = 0, stage_end_ = 0;
  Frame frame_;
  Filling filling_;
  uint32_t discard_ = 0;        // bytes of a truncated message still to drop
  uint32_t last_frame_ = 0;     // size of the last frame, to size the next staging read
  bool drained_ = false;        // the last read found the socket empty
  bool eof_ = false;            // the peer closed at a frame boundary
  int error_ = 0;               // the connection broke with this errno
};

}  // namespace fabcheck::transport::tcp
