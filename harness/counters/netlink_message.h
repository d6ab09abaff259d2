// Generic-netlink framing for the counter sources' kernel clients (ethtool_pause_netlink.h):
// building one request and splitting the kernel's answer into messages and attributes — pure
// functions over bytes, no socket. Layout: linux/netlink.h (nlmsghdr, nlmsgerr, nlattr) and
// linux/genetlink.h (genlmsghdr).
//
// Contract:
// - Every parser checks every length against the bytes it was given — a message or attribute
//   header that claims less than its own size or more than is there, a nest whose attributes
//   overrun it, an error message too short for its header — and throws fabcheck::Error naming
//   `what`, the offset and the lie. Nothing is read past the buffer.
// - Views (std::span) point into the caller's buffer; keep it alive while using them.
// - Attribute types are reported without the NLA_F_NESTED / NLA_F_NET_BYTEORDER flags.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fabcheck::counters {

using Bytes = std::span<const uint8_t>;

struct NlMessage {
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t port = 0;  // nlmsg_pid (the kernel's messages carry the receiving socket's port)
  Bytes payload;      // after the nlmsghdr
  size_t offset = 0;  // of the header in the buffer, for messages
};

struct NlAttr {
  uint16_t type = 0;
  Bytes payload;
};

// The netlink messages of a receive buffer (one or more datagrams, concatenated).
std::vector<NlMessage> splitMessages(Bytes bytes, const std::string& what);

// The attributes of an attribute stream (a message's after its family header, or a nest's payload).
std::vector<NlAttr> splitAttributes(Bytes bytes, const std::string& what);

// Fixed-size attribute values; a payload of another size throws naming `what` and the attribute.
uint8_t attrU8(const NlAttr& a, const std::string& what);
uint16_t attrU16(const NlAttr& a, const std::string& what);
uint32_t attrU32(const NlAttr& a, const std::string& what);
uint64_t attrU64(const NlAttr& a, const std::string& what);
// A NUL-terminated string attribute (a missing NUL throws).
std::string attrString(const NlAttr& a, const std::string& what);

// The kernel's answer to one generic-netlink request with NLM_F_ACK.
struct GenlAnswer {
  bool complete = false;  // the NLMSG_ERROR (ack or error) or NLMSG_DONE that ends it was seen
  int error = 0;          // errno of that NLMSG_ERROR (positive); 0: acknowledged
  std::string message;    // the kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it gave one
  std::vector<std::vector<NlAttr>> replies;  // the attributes of each reply message, in order
};

// Reads the messages answering request `seq`: replies must have type `family` and genl command
// `reply_cmd`; messages of other sequence numbers are stale and skipped, so is NLMSG_NOOP. (The
// kernel's messages carry the receiver's port; the sender is checked by who receives them.) Throws on malformed framing, a reply of another type or
// command, an NLMSG_OVERRUN, or an error code that is neither 0 nor a negated errno (-1 .. -4095).
GenlAnswer parseGenlAnswer(Bytes bytes, uint32_t seq, uint16_t family, uint8_t reply_cmd, const std::string& what);

// A generic-netlink request (NLM_F_REQUEST | NLM_F_ACK) built attribute by attribute.
class GenlRequest {
 public:
  GenlRequest(uint16_t family, uint8_t cmd, uint8_t version, uint32_t seq);
  void putU32(uint16_t type, uint32_t value);
  void putString(uint16_t type, const std::string& value);  // with its NUL
  size_t beginNest(uint16_t type);                          // returns what endNest takes
  void endNest(size_t at);
  const std::vector<uint8_t>& bytes() const { return buf_; }  // nlmsg_len always current

 private:
  void put(uint16_t type, const void* data, size_t len);
  void setLength();
  std::vector<uint8_t> buf_;
};

}  // namespace fabcheck::counters
