// Generic-netlink framing (netlink_message.h).
#include "harness/counters/netlink_message.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstring>

#include "generators/core/errors.h"

namespace fabcheck::counters {
namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

template <typename T>
T load(Bytes b, size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}

[[noreturn]] void malformed(const std::string& what, const std::string& detail) { throw Error(what + ": malformed netlink: " + detail); }

// The NLMSGERR_ATTR_MSG text after an nlmsgerr, when the kernel appended extended-ack TLVs.
std::string extAckMessage(const NlMessage& m, const std::string& what) {
  if (!(m.flags & NLM_F_ACK_TLVS)) return "";
  size_t at = sizeof(nlmsgerr);
  if (!(m.flags & NLM_F_CAPPED)) {
    const auto orig = load<nlmsghdr>(m.payload, sizeof(int));
    if (orig.nlmsg_len < sizeof(nlmsghdr)) malformed(what, "error message echoes a request of length " + std::to_string(orig.nlmsg_len));
    at += align4(orig.nlmsg_len) - sizeof(nlmsghdr);
  }
  if (at > m.payload.size()) {
    malformed(what, "error message of " + std::to_string(m.payload.size()) + " bytes is shorter than the echoed request (" +
                        std::to_string(at) + ")");
  }
  for (const NlAttr& a : splitAttributes(m.payload.subspan(at), what + " (extended ack)")) {
    if (a.type == NLMSGERR_ATTR_MSG) return attrString(a, what + " (extended ack)");
  }
  return "";
}

// Ends the answer with the NLMSG_ERROR `m` (an ack when its code is 0).
void readError(const NlMessage& m, const std::string& what, GenlAnswer& answer) {
  if (m.payload.size() < sizeof(nlmsgerr)) {
    malformed(what, "error message at offset " + std::to_string(m.offset) + " has " + std::to_string(m.payload.size()) +
                        " bytes, less than its header (" + std::to_string(sizeof(nlmsgerr)) + ")");
  }
  const int code = load<int>(m.payload, 0);
  // 0 (an ack) or a negated errno; the kernel's errnos stop at 4095 (MAX_ERRNO). INT_MIN, which
  // has no positive counterpart, was found by counters_fuzz.
  if (code > 0 || code < -4095) {
    malformed(what, "error code " + std::to_string(code) + " is neither 0 nor a negated errno (-1 .. -4095)");
  }
  answer.complete = true;
  answer.error = -code;
  answer.message = extAckMessage(m, what);
}

std::string typeName(uint16_t t) { return std::to_string(t); }

}  // namespace

std::vector<NlMessage> splitMessages(Bytes bytes, const std::string& what) {
  std::vector<NlMessage> out;
  size_t off = 0;
  while (off < bytes.size()) {
    if (bytes.size() - off < sizeof(nlmsghdr)) {
      malformed(what, std::to_string(bytes.size() - off) + " bytes at offset " + std::to_string(off) +
                          " are too few for a message header (16)");
    }
    const auto h = load<nlmsghdr>(bytes, off);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > bytes.size() - off) {
      malformed(what, "message at offset " + std::to_string(off) + " claims length " + std::to_string(h.nlmsg_len) + " (" +
                          std::to_string(bytes.size() - off) + " bytes left, header 16)");
    }
    out.push_back(NlMessage{.type = h.nlmsg_type,
                            .flags = h.nlmsg_flags,
                            .seq = h.nlmsg_seq,
                            .port = h.nlmsg_pid,
                            .payload = bytes.subspan(off + sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr)),
                            .offset = off});
    off += std::min(align4(h.nlmsg_len), bytes.size() - off);
  }
  return out;
}

std::vector<NlAttr> splitAttributes(Bytes bytes, const std::string& what) {
  std::vector<NlAttr> out;
  size_t off = 0;
  while (off < bytes.size()) {
    if (bytes.size() - off < sizeof(nlattr)) {
      malformed(what, std::to_string(bytes.size() - off) + " bytes at attribute offset " + std::to_string(off) +
                          " are too few for an attribute header (4)");
    }
    const auto h = load<nlattr>(bytes, off);
    const uint16_t type = h.nla_type & NLA_TYPE_MASK;
    if (h.nla_len < sizeof(nlattr) || h.nla_len > bytes.size() - off) {
      malformed(what, "attribute " + typeName(type) + " at offset " + std::to_string(off) + " claims length " +
                          std::to_string(h.nla_len) + " (" + std::to_string(bytes.size() - off) + " bytes left, header 4)");
    }
    out.push_back(NlAttr{type, bytes.subspan(off + sizeof(nlattr), h.nla_len - sizeof(nlattr))});
    off += std::min(align4(h.nla_len), bytes.size() - off);
  }
  return out;
}

namespace {
template <typename T>
T fixed(const NlAttr& a, const std::string& what) {
  if (a.payload.size() != sizeof(T)) {
    malformed(what, "attribute " + typeName(a.type) + " has " + std::to_string(a.payload.size()) + " bytes, expected " +
                        std::to_string(sizeof(T)));
  }
  return load<T>(a.payload, 0);
}
}  // namespace

uint8_t attrU8(const NlAttr& a, const std::string& what) { return fixed<uint8_t>(a, what); }
uint16_t attrU16(const NlAttr& a, const std::string& what) { return fixed<uint16_t>(a, what); }
uint32_t attrU32(const NlAttr& a, const std::string& what) { return fixed<uint32_t>(a, what); }
uint64_t attrU64(const NlAttr& a, const std::string& what) { return fixed<uint64_t>(a, what); }

std::string attrString(const NlAttr& a, const std::string& what) {
  const auto* p = reinterpret_cast<const char*>(a.payload.data());
  const size_t n = strnlen(p, a.payload.size());
  if (n == a.payload.size()) malformed(what, "string attribute " + typeName(a.type) + " has no terminating NUL");
  return std::string(p, n);
}

GenlAnswer parseGenlAnswer(Bytes bytes, uint32_t seq, uint16_t family, uint8_t reply_cmd, const std::string& what) {
  GenlAnswer answer;
  for (const NlMessage& m : splitMessages(bytes, what)) {
    if (m.seq != seq || m.type == NLMSG_NOOP) continue;
    if (answer.complete) malformed(what, "message of type " + typeName(m.type) + " after the end of the answer");
    if (m.type == NLMSG_ERROR) {
      readError(m, what, answer);
    } else if (m.type == NLMSG_DONE) {
      answer.complete = true;
    } else if (m.type == NLMSG_OVERRUN) {
      malformed(what, "the kernel reports lost data (NLMSG_OVERRUN)");
    } else if (m.type != family) {
      malformed(what, "reply of type " + typeName(m.type) + ", expected family " + typeName(family));
    } else {
      if (m.payload.size() < GENL_HDRLEN) {
        malformed(what, "reply at offset " + std::to_string(m.offset) + " has " + std::to_string(m.payload.size()) +
                            " bytes, less than the generic-netlink header (4)");
      }
      const auto g = load<genlmsghdr>(m.payload, 0);
      if (g.cmd != reply_cmd) malformed(what, "reply command " + std::to_string(g.cmd) + ", expected " + std::to_string(reply_cmd));
      answer.replies.push_back(splitAttributes(m.payload.subspan(GENL_HDRLEN), what));
    }
  }
  return answer;
}

GenlRequest::GenlRequest(uint16_t family, uint8_t cmd, uint8_t version, uint32_t seq) {
  nlmsghdr h{};
  h.nlmsg_type = family;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = seq;
  genlmsghdr g{};
  g.cmd = cmd;
  g.version = version;
  buf_.resize(NLMSG_HDRLEN + GENL_HDRLEN);
  std::memcpy(buf_.data(), &h, sizeof(h));
  std::memcpy(buf_.data() + NLMSG_HDRLEN, &g, sizeof(g));
  setLength();
}

void GenlRequest::put(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(sizeof(nlattr) + len);
  a.nla_type = type;
  const size_t at = buf_.size();
  buf_.resize(at + align4(sizeof(nlattr) + len), 0);
  std::memcpy(buf_.data() + at, &a, sizeof(a));
  if (len > 0) std::memcpy(buf_.data() + at + sizeof(nlattr), data, len);
  setLength();
}

void GenlRequest::putU32(uint16_t type, uint32_t value) { put(type, &value, sizeof(value)); }
void GenlRequest::putString(uint16_t type, const std::string& value) { put(type, value.c_str(), value.size() + 1); }

size_t GenlRequest::beginNest(uint16_t type) {
  const size_t at = buf_.size();
  put(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
  return at;
}

void GenlRequest::endNest(size_t at) {
  const auto len = static_cast<uint16_t>(buf_.size() - at);
  std::memcpy(buf_.data() + at, &len, sizeof(len));
}

void GenlRequest::setLength() {
  const auto len = static_cast<uint32_t>(buf_.size());
  std::memcpy(buf_.data(), &len, sizeof(len));
}

}  // namespace fabcheck::counters
