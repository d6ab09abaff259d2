// The soft fabric's wire: one unix datagram socket per device, bound in the fabric directory.
// A datagram is a PacketHeader followed by `payload_len` bytes.
//
// Contract: send() never blocks (MSG_DONTWAIT) and returns 0, EAGAIN (the peer's queue is full:
// keep the packet and try again later, like a lossless fabric) or another errno (ECONNREFUSED,
// ENOENT: the peer is gone). receive() returns false when nothing is waiting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::transport::verbs::soft {

constexpr uint32_t kPacketMagic = 0x53524f43;  // "SROC"
constexpr uint32_t kMaxPiece = 64 * 1024;      // RC payload bytes per datagram

enum PacketType : uint8_t { kPktRequest = 1, kPktAck, kPktNak, kPktReadResp, kPktUd };
enum NakCode : uint8_t { kNakNone = 0, kNakRnr, kNakInvalidRequest, kNakRemoteAccess, kNakRemoteOp };

struct PacketHeader {
  uint32_t magic = kPacketMagic;
  uint8_t type = 0;
  uint8_t opcode = 0;  // ibv_wr_opcode of the request
  uint8_t nak = kNakNone;
  uint8_t tclass = 0;
  uint8_t first = 0, last = 0, rnr_timer = 0, hop_limit = 0;
  uint32_t src_qpn = 0, dst_qpn = 0, psn = 0, imm = 0, rkey = 0, qkey = 0, flow_label = 0;
  uint32_t total_len = 0, offset = 0, payload_len = 0;
  uint64_t remote_addr = 0;
  uint8_t sgid[16] = {}, dgid[16] = {};
};

class SoftWire {
 public:
  SoftWire() = default;
  ~SoftWire();
  SoftWire(const SoftWire&) = delete;
  SoftWire& operator=(const SoftWire&) = delete;

  int open(const std::string& fabric_dir);  // 0 or errno
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  int send(const std::string& to, const PacketHeader& h, const void* payload) const;
  // Fills h and payload (resized to h.payload_len); false when no datagram is waiting.
  bool receive(PacketHeader& h, std::vector<uint8_t>& payload);

 private:
  int fd_ = -1;
  std::string path_;
  std::vector<uint8_t> buf_;
};

}  // namespace fabcheck::transport::verbs::soft
