// The Transport interface: how every pattern moves bytes, whatever the wire.
//
// Shaped after NCCL's net-plugin contract so that RDMA verbs (RC SEND/WRITE/READ, UD) fit
// without change, while datagram sockets fit too:
//
//   server:  auto l = t->listen(opts);      // bound, ready
//            ship(l->endpoint())            // a small serialisable value, sent out of band
//            auto c = l->accept(timeout);   // the peer connected
//   client:  auto c = t->connect(desc, opts);
//   both:    auto mr = c->registerMemory(buf, len);
//            c->postRecv({...}); c->postSend({...}); c->poll(completions, timeout);
//
// Ownership of buffers: a buffer named in a posted op belongs to the transport until poll()
// returns its completion. (UDP completes sends immediately; verbs does not.)
//
// Threading: one Connection is used by one thread at a time. Different Connections may be
// used from different threads concurrently.
//
// Errors: set-up and tear-down (create, listen, accept, connect, registerMemory) throw
// fabcheck::TransportError / TimeoutError / UnsupportedError with a one-line message. The data
// path (postSend, postRecv, poll) is noexcept: it reports through counts and Completion status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fabcheck::transport {

// Where a receive timestamp came from, best first.
enum class TimestampSource : uint8_t {
  kNone = 0,        // no timestamp
  kUserSpace = 1,   // taken by fabcheck after the receive call returned
  kSoftware = 2,    // kernel software timestamp (SO_TIMESTAMPING RX_SOFTWARE)
  kHardware = 3,    // NIC hardware timestamp (SO_TIMESTAMPING RX_HARDWARE / verbs completion ts)
};
std::string_view toString(TimestampSource s) noexcept;

// What a listener hands to its peer out of band. Small, serialisable, transport-specific.
// `fields` hold e.g. {"address": "127.0.0.1", "port": "5001", "family": "inet"} for udp, or
// {"lid", "qpn", "gid", "psn"} for verbs. Use toJson()/fromJson() to cross a control channel.
struct EndpointDesc {
  std::string transport;                      // "udp", "tcp", "loop", "verbs"
  std::map<std::string, std::string> fields;  // transport-specific

  // Value of a field; throws ConfigError naming the field and the transport when absent.
  const std::string& at(const std::string& key) const;
  std::string toJson() const;
  // Throws ProtocolError on malformed input, naming what was wrong.
  static EndpointDesc fromJson(std::string_view json);
  bool operator==(const EndpointDesc&) const = default;
};

// Static facts about a transport instance on this host.
struct TransportProperties {
  std::string name;                      // "udp"
  uint32_t max_message_bytes = 0;        // largest single message (UDP: 65507 v4 / 65527 v6)
  uint32_t max_post_bytes = 0;           // largest SendOp.length (with segmentation/GSO)
  bool reliable = false;                 // transport retransmits (RC) or not (UDP, UD)
  bool in_process = false;               // endpoints reach only the same process (loop): both ends of a flow must be in one process
  bool supports_segmentation = false;    // SendOp.segment_size honoured in one call (GSO)
  bool supports_coalescing = false;      // receive completions may hold several messages (GRO)
  bool supports_rdma_ops = false;        // kWrite / kRead
  TimestampSource rx_timestamps = TimestampSource::kNone;  // best this instance will give
  std::optional<double> line_rate_gbps;  // when known (verbs port speed, sysfs speed)
  // Non-empty when this instance's figures are not performance, and why (the verbs software
  // device of the tests: "software device: correctness only, not performance"). Results and
  // reports carry it next to every figure measured over this transport.
  std::string caveat;
  // What the device is ("mlx5_0 port 1 GID 3 (RoCE v2)"); empty for socket transports.
  std::string device;
};

// Options fixed when the transport instance is created; apply to all its endpoints.
struct TransportOptions {
  int dscp = 0;                   // 0..63, written into IP TOS / traffic class (RoCE: GRH tclass)
  int ecn = 0;                    // 0..3 ECN codepoint sent (1 = ECT(1), 2 = ECT(0), 3 = CE)
  bool segmentation = true;       // use GSO (UDP_SEGMENT) when the host supports it
  bool coalescing = true;         // use GRO (UDP_GRO) on receive when supported
  bool rx_timestamps = true;      // ask for kernel/hardware receive timestamps
  int socket_buffer_bytes = 4 << 20;  // SO_SNDBUF / SO_RCVBUF request (0 = leave default)
  std::string bind_interface;     // SO_BINDTODEVICE / verbs device name; empty = any
  std::map<std::string, std::string> extra;  // transport-specific (e.g. verbs "gid_index")
};

struct ListenOptions {
  std::string address = "0.0.0.0";  // local address; "::" for IPv6 any
  uint16_t port = 0;                // 0 = kernel picks
  // When set, accept() takes a peer only from this IP address (udp, tcp): a connection or HELLO
  // from any other address is dropped and the wait goes on. The pair server sets it to its
  // authenticated client's address, so that no third party can receive its flows.
  std::string peer_address;
};

struct ConnectOptions {
  std::string local_address;        // empty = chosen by routing
  int64_t timeout_ns = 5'000'000'000;
};

// Registered memory. For UDP/loop a plain span; for verbs an MR with keys.
struct MemoryRegion {
  std::byte* data = nullptr;
  size_t size = 0;
  uint32_t local_key = 0;
  uint32_t remote_key = 0;
  void* native = nullptr;  // transport-private handle (ibv_mr*); never touched by callers
};

// The region of a transport that needs no registration (kernel sockets, loop): the memory as is.
inline MemoryRegion unregisteredRegion(std::byte* data, size_t size) noexcept {
  MemoryRegion r;
  r.data = data;
  r.size = size;
  return r;
}

enum class Opcode : uint8_t { kSend = 0, kWrite = 1, kRead = 2, kWriteWithImm = 3 };

struct SendOp {
  uint64_t id = 0;                 // caller's cookie, echoed in the completion
  const std::byte* data = nullptr;
  uint32_t length = 0;             // bytes to send
  // 0: one message of `length` bytes. >0: `length` is a run of messages of this size (the last
  // may be shorter), sent as one GSO super-datagram where supported, else one by one.
  uint32_t segment_size = 0;
  const MemoryRegion* region = nullptr;  // must contain data (required by verbs)
  Opcode opcode = Opcode::kSend;
  uint64_t remote_addr = 0;        // kWrite/kRead only
  uint32_t remote_key = 0;         // kWrite/kRead only
  uint32_t immediate = 0;          // kWriteWithImm only
};

struct RecvOp {
  uint64_t id = 0;
  std::byte* data = nullptr;
  uint32_t capacity = 0;           // with coalescing, make this >= 64 KiB to receive GRO batches
  const MemoryRegion* region = nullptr;
};

enum class OpStatus : uint8_t {
  kOk = 0,
  kTruncated = 1,    // receive: the message was larger than the buffer
  kError = 2,        // see Completion::error (an errno value)
  kFlushed = 3,      // the connection closed before the op ran
  kUnsupported = 4,  // opcode not supported by this transport
};

struct Completion {
  uint64_t id = 0;
  bool is_send = false;
  OpStatus status = OpStatus::kOk;
  int error = 0;                   // errno when status == kError
  uint32_t bytes = 0;              // bytes sent, or written into the receive buffer
  // Receive: stride of the messages in the buffer. Equal to `bytes` for one message; smaller
  // when the kernel coalesced several (GRO): messages are at 0, s, 2s, ...; the last may be short.
  uint32_t segment_size = 0;
  bool tos_valid = false;
  uint8_t tos = 0;                 // receive: IP TOS / IPv6 traffic class (DSCP << 2 | ECN)
  TimestampSource ts_source = TimestampSource::kNone;
  int64_t rx_timestamp_ns = 0;     // receive: CLOCK_REALTIME ns of arrival
};

// Counters a connection keeps about its own data path (never throws, never resets).
struct ConnectionStats {
  uint64_t send_calls = 0;         // system calls / doorbells issued for sends
  uint64_t recv_calls = 0;
  uint64_t send_errors = 0;        // ops completed with an error
  uint64_t send_backpressure = 0;  // post calls that accepted fewer ops than offered
  uint64_t recv_truncated = 0;
};

// What the kernel's TCP knows about one connection (getsockopt TCP_INFO), for the "tcp"
// transport: on a kernel network, loss in the fabric shows up here as retransmissions. Counts
// are since the connection opened. Why the interface has it: no other transport can say how
// many segments the path lost and how long its round trip is.
struct TcpPathInfo {
  uint64_t segments_sent = 0;           // tcpi_segs_out (retransmissions included)
  uint64_t segments_retransmitted = 0;  // tcpi_total_retrans
  uint64_t bytes_sent = 0;              // tcpi_bytes_sent (retransmissions included)
  uint64_t bytes_retransmitted = 0;     // tcpi_bytes_retrans
  // Retransmissions the receiver reported as duplicates (D-SACK, tcpi_dsack_dups): spurious,
  // the original was not lost (reordering or a stall in the path, not a drop).
  uint64_t spurious_retransmissions = 0;
  uint64_t reordering_events = 0;       // tcpi_reord_seen: reordering the sender detected
  double rtt_us = 0;                    // smoothed round trip (tcpi_rtt)
  double rttvar_us = 0;                 // its variation (tcpi_rttvar)
  uint32_t cwnd_segments = 0;           // congestion window now (tcpi_snd_cwnd)
  uint32_t mss_bytes = 0;               // tcpi_snd_mss
  double delivery_rate_bps = 0;         // the kernel's last delivery-rate sample (tcpi_delivery_rate)
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Registers [data, data+size) for use in ops. Throws TransportError. Cheap for UDP/loop.
  virtual MemoryRegion registerMemory(std::byte* data, size_t size) = 0;
  virtual void deregisterMemory(MemoryRegion& region) noexcept = 0;

  // Posts sends in order. Returns how many were accepted (a prefix of `ops`); fewer than
  // offered means back-pressure (send queue or socket buffer full): poll, then retry the rest.
  // An op the transport can never run (bad opcode, oversize) is accepted and completes with
  // an error status, so the caller sees it once.
  virtual size_t postSend(std::span<const SendOp> ops) noexcept = 0;

  // Posts receive buffers. Returns how many were accepted.
  virtual size_t postRecv(std::span<const RecvOp> ops) noexcept = 0;

  // Returns completions, waiting at most `timeout_ns` (0 = do not wait) for the first one.
  // Returns 0 on timeout. Also the place where the transport makes progress.
  virtual size_t poll(std::span<Completion> out, int64_t timeout_ns) noexcept = 0;

  virtual ConnectionStats stats() const noexcept = 0;

  // A file descriptor that turns readable (POLLIN) when poll() may find a receive completion
  // (UDP: the socket), so a caller serving many connections from one thread can wait on all of
  // them at once with ppoll() instead of blocking on one; -1 when the transport has none (then
  // poll each with a timeout). Owned by the connection; valid for its lifetime.
  virtual int readinessFd() const noexcept { return -1; }

  // The memory the peer exposed for one-sided ops (kWrite/kRead name it with remote_addr and
  // remote_key): why the interface has it is that RDMA WRITE and READ need the remote address
  // and key, which only the connection set-up exchanged (verbs with verb write|read); empty for
  // transports without one-sided ops. `data` is the peer's virtual address, not ours: never
  // dereference it. Valid for the connection's lifetime.
  virtual std::optional<MemoryRegion> remoteRegion() const noexcept { return std::nullopt; }

  // A failed completion in words for a result or a log line: the transport's own account when it
  // has one (verbs: device, port, QP, peer, the status as ibv_wc_status_str words and what to
  // check), else the errno text. Why the interface has it: an errno cannot say "transport retry
  // counter exceeded on mlx5_0 QP 0x1a2 -> 10.0.0.2".
  virtual std::string errorText(const Completion& c) const;

  // The kernel's TCP facts for this connection (TcpPathInfo); nullopt for transports that are
  // not kernel TCP, or when the kernel refuses TCP_INFO. Cheap (one system call); control plane:
  // call it after the data path, e.g. when a flow ends.
  virtual std::optional<TcpPathInfo> tcpInfo() const noexcept { return std::nullopt; }

  // Human-readable "udp 127.0.0.1:40000 -> 127.0.0.1:5201" for logs and errors.
  virtual std::string describe() const = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // The description to hand to the peer. Valid from construction on.
  virtual const EndpointDesc& endpoint() const = 0;
  // Waits for the peer that connects with this endpoint. Throws TimeoutError naming the
  // endpoint and the timeout, or TransportError.
  virtual std::unique_ptr<Connection> accept(int64_t timeout_ns) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual TransportProperties properties() const = 0;
  // Throws TransportError (e.g. "port 5201 on 127.0.0.1 is in use").
  virtual std::unique_ptr<Listener> listen(const ListenOptions& options) = 0;
  // Throws TransportError (refused, unreachable) or TimeoutError.
  virtual std::unique_ptr<Connection> connect(const EndpointDesc& peer,
                                              const ConnectOptions& options) = 0;
};

// The options a peer must apply too (dscp, ecn, gso/gro, timestamps, buffers, and `extra`: the
// transport-specific keys such as verbs' verb, qps, mtu, which both ends must agree on) as JSON,
// for a control channel. bind_interface is host-local and not included: each side sets its own.
// `extra` travels whole, host-local keys included (verbs' device, port, gid_index): a suite's
// device applies to every agent, while the pair server drops the client's and uses its own. `extra` is optional on input (an
// older peer) and must be an object of strings. fromJson throws ProtocolError on malformed input,
// naming the key.
std::string transportOptionsToJson(const TransportOptions& options);
TransportOptions transportOptionsFromJson(std::string_view json);

// Creates a transport by name: "udp", "tcp", "loop", "verbs". Throws ConfigError for an unknown
// name (listing the known ones) and UnsupportedError when the host cannot run it (with why).
std::unique_ptr<Transport> createTransport(std::string_view name, const TransportOptions& options);

// The names createTransport() accepts, in a stable order.
std::vector<std::string> transportNames();

// The static properties of a transport kind, known without creating it (no socket, no device,
// no host probe): name, max_message_bytes, max_post_bytes and reliable; the host-dependent
// fields (segmentation, coalescing, timestamps, line rate) stay at their defaults — an
// instance's properties() has those. Planning and suite validation read limits from here
// (e.g. udp: 65507 bytes). Throws ConfigError for an unknown name, as createTransport() does.
TransportProperties transportKindProperties(std::string_view name);

}  // namespace fabcheck::transport
