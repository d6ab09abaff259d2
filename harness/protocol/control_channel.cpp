#include "harness/protocol/control_channel.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>
#include <utility>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::protocol {
namespace {

using nlohmann::json;

std::string errnoText(int err) { return std::error_code(err, std::system_category()).message(); }

// "5.0 s", "0.3 s"; below 100 ms in milliseconds ("50 ms").
std::string formatSeconds(int64_t ns) {
  if (ns >= 100 * kNsPerMs) return fmt::format("{:.1f} s", static_cast<double>(ns) / kNsPerSec);
  return fmt::format("{} ms", std::max<int64_t>(ns, 0) / kNsPerMs);
}

// " while <phase>" or nothing.
std::string whilePhase(std::string_view phase) {
  return phase.empty() ? std::string() : fmt::format(" while {}", phase);
}

int64_t deadlineAfter(int64_t timeout_ns) {
  const int64_t now = monoNowNs();
  if (timeout_ns <= 0) return now;
  if (timeout_ns > std::numeric_limits<int64_t>::max() - now) return std::numeric_limits<int64_t>::max();
  return now + timeout_ns;
}

// Waits until fd has one of `events` (or an error/hangup) or the deadline passes; false on timeout.
bool waitFor(int fd, short events, int64_t deadline_ns) {
  while (true) {
    const int64_t left = std::max<int64_t>(deadline_ns - monoNowNs(), 0);
    timespec ts{static_cast<time_t>(left / kNsPerSec), static_cast<long>(left % kNsPerSec)};
    pollfd p{fd, events, 0};
    const int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) throw TransportError(fmt::format("poll on a control socket failed: {}", errnoText(errno)));
  }
}

// "1.2.3.4" / "::1" (with_port false) or "1.2.3.4:80" / "[::1]:80". v4-mapped v6 is shown as v4.
std::string formatAddress(const sockaddr* sa, bool with_port) {
  char text[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  bool v6 = false;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      ::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      v6 = true;
    }
  } else {
    return fmt::format("(address family {})", sa->sa_family);
  }
  if (!with_port) return text;
  return v6 ? fmt::format("[{}]:{}", text, port) : fmt::format("{}:{}", text, port);
}

// "[::1]" -> "::1"; anything else unchanged.
std::string stripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

// "0.0.0.0:18515" / "[::]:18515"
std::string hostPort(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

void setNoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // best effort: only latency suffers
}

std::string socketName(int fd, bool peer, bool with_port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) return {};
  return formatAddress(reinterpret_cast<const sockaddr*>(&ss), with_port);
}

// Closes an fd on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { ::freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

// getaddrinfo; on failure, the reason as text (gai_strerror or errno).
AddrInfoPtr resolve(const char* host, uint16_t port, int flags, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host, service.c_str(), &hints, &result);
  if (rc != 0) {
    why = rc == EAI_SYSTEM ? errnoText(errno) : ::gai_strerror(rc);
    return nullptr;
  }
  return AddrInfoPtr(result);
}

// Up to 32 bytes of `data` for a message: printable ASCII kept, anything else as '.'.
std::string preview(const char* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(size, 32); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
  }
  if (size > 32) out += "...";
  return out;
}

}  // namespace

// ---- ControlChannel ----------------------------------------------------------------------

ControlChannel::ControlChannel(int fd, std::string peer) noexcept : fd_(fd), peer_(std::move(peer)), rx_(4) {}

ControlChannel::ControlChannel(ControlChannel&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      peer_(std::move(other.peer_)),
      rx_(std::move(other.rx_)),
      rx_have_(std::exchange(other.rx_have_, 0)),
      rx_want_(std::exchange(other.rx_want_, 4)),
      rx_in_payload_(std::exchange(other.rx_in_payload_, false)) {}

ControlChannel& ControlChannel::operator=(ControlChannel&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    peer_ = std::move(other.peer_);
    rx_ = std::move(other.rx_);
    rx_have_ = std::exchange(other.rx_have_, 0);
    rx_want_ = std::exchange(other.rx_want_, 4);
    rx_in_payload_ = std::exchange(other.rx_in_payload_, false);
  }
  return *this;
}

ControlChannel::~ControlChannel() { close(); }

void ControlChannel::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rx_.assign(4, 0);
  rx_have_ = 0;
  rx_want_ = 4;
  rx_in_payload_ = false;
}

ControlChannel ControlChannel::connect(const std::string& host, uint16_t port, int64_t timeout_ns,
                                       std::string_view refused_hint) {
  const int64_t deadline = deadlineAfter(timeout_ns);
  const std::string name = stripBrackets(host);
  std::string why;
  const AddrInfoPtr addresses = resolve(name.c_str(), port, 0, why);
  if (!addresses) throw TransportError(fmt::format("cannot resolve host '{}': {}", host, why));

  std::string last_error = fmt::format("control connection to {}: no address to try", hostPort(name, port));
  for (const addrinfo* ai = addresses.get(); ai != nullptr; ai = ai->ai_next) {
    const std::string target = formatAddress(ai->ai_addr, true);
    const std::string label = formatAddress(ai->ai_addr, false) == name ? target : fmt::format("{} ({})", host, target);
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = fmt::format("control connection to {}: cannot create a socket: {}", label, errnoText(errno));
      continue;
    }
    FdGuard guard(fd);
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {  // EINTR: the connection still completes asynchronously
        if (!waitFor(fd, POLLOUT, deadline)) {
          throw TimeoutError(
              fmt::format("control connection to {}: no answer within {}", label, formatSeconds(timeout_ns)));
        }
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    // A connect to a free local port in the ephemeral range can connect the socket to itself
    // (TCP simultaneous open); nobody is listening there, so that is a refusal.
    if (err == 0 && socketName(fd, false, true) == socketName(fd, true, true)) err = ECONNREFUSED;
    if (err != 0) {
      std::string text = errnoText(err);
      if (err == ECONNREFUSED && !refused_hint.empty()) text += fmt::format(" ({})", refused_hint);
      last_error = fmt::format("control connection to {}: {}", label, text);
      continue;
    }
    setNoDelay(fd);
    std::string peer = socketName(fd, true, true);
    return ControlChannel(guard.release(), peer.empty() ? target : std::move(peer));
  }
  throw TransportError(last_error);
}

std::string ControlChannel::localAddress() const { return fd_ >= 0 ? socketName(fd_, false, false) : std::string(); }

void ControlChannel::requireOpen(std::string_view phase) const {
  if (fd_ < 0) throw TransportError(fmt::format("control connection to {} is closed{}", peer_, whilePhase(phase)));
}

void ControlChannel::failClosed(std::string_view detail, std::string_view phase) {
  close();
  throw TransportError(fmt::format("{}{}", detail, whilePhase(phase)));
}

void ControlChannel::send(const json& message, int64_t timeout_ns) {
  requireOpen({});
  sendFrame(message.dump(-1, ' ', false, json::error_handler_t::replace), timeout_ns);
}

void ControlChannel::sendFrame(std::string_view text, int64_t timeout_ns) {
  requireOpen({});
  if (text.size() > kMaxMessageBytes) {
    throw ProtocolError(fmt::format("message of {} bytes to {} exceeds the 16 MiB limit", text.size(), peer_));
  }
  const auto length = static_cast<uint32_t>(text.size());
  std::string frame;
  frame.reserve(4 + text.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame += static_cast<char>((length >> shift) & 0xff);
  frame += text;

  const int64_t deadline = deadlineAfter(timeout_ns);
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::send(fd_, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    const int err = n < 0 ? errno : EPIPE;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      if (waitFor(fd_, POLLOUT, deadline)) continue;
      const std::string what = fmt::format("could not send a message of {} bytes to {} within {} (is the peer reading?)",
                                           text.size(), peer_, formatSeconds(timeout_ns));
      if (done > 0) close();  // half a frame is on the wire: the stream is no longer usable
      throw TimeoutError(what);
    }
    if (err == EPIPE) failClosed(fmt::format("peer {} closed the control connection", peer_), {});
    failClosed(fmt::format("control connection with {}: {}", peer_, errnoText(err)), {});
  }
}

bool ControlChannel::readFrame(int64_t deadline_ns, std::string_view phase) {
  while (true) {
    if (rx_have_ == rx_want_) {
      if (rx_in_payload_) return true;
      // The header is complete: 4 bytes, big-endian payload length.
      uint32_t length = 0;
      for (int i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(rx_[i]);
      if (length > kMaxMessageBytes) {
        const bool printable = std::all_of(rx_.begin(), rx_.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
        const std::string hint =
            printable ? fmt::format(" (not a fabcheck peer? it sent '{}')", std::string(rx_.begin(), rx_.end())) : "";
        const std::string what = fmt::format("message of {} bytes from {} exceeds the 16 MiB limit{}{}", length, peer_,
                                             hint, whilePhase(phase));
        close();  // the rest of the stream cannot be framed any more
        throw ProtocolError(what);
      }
      rx_.clear();
      rx_want_ = length;
      rx_have_ = 0;
      rx_in_payload_ = true;
      continue;
    }
    // The buffer grows with what arrived (doubling, from 64 KiB), not with the length the peer
    // announced: a header that claims 16 MiB and stops there commits no 16 MiB.
    if (rx_have_ == rx_.size()) rx_.resize(std::min<size_t>(rx_want_, rx_have_ + std::max<size_t>(rx_have_, 64 << 10)));
    const ssize_t n = ::recv(fd_, rx_.data() + rx_have_, rx_.size() - rx_have_, 0);
    if (n > 0) {
      rx_have_ += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      if (!rx_in_payload_ && rx_have_ == 0) failClosed(fmt::format("peer {} closed the control connection", peer_), phase);
      failClosed(fmt::format("peer {} closed the control connection in the middle of a message ({} of {} {} bytes)",
                             peer_, rx_have_, rx_want_, rx_in_payload_ ? "payload" : "header"),
                 phase);
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      if (!waitFor(fd_, POLLIN, deadline_ns)) return false;
      continue;
    }
    failClosed(fmt::format("control connection with {}: {}", peer_, errnoText(err)), phase);
  }
}

std::optional<json> ControlChannel::tryReceive(int64_t timeout_ns, std::string_view phase) {
  requireOpen(phase);
  if (!readFrame(deadlineAfter(timeout_ns), phase)) return std::nullopt;
  std::vector<char> payload = std::exchange(rx_, std::vector<char>(4));
  rx_have_ = 0;
  rx_want_ = 4;
  rx_in_payload_ = false;
  try {
    return json::parse(payload.begin(), payload.end());
  } catch (const json::parse_error& e) {
    throw ProtocolError(fmt::format("message of {} bytes from {}{} is not valid JSON (error at byte {}; it starts '{}')",
                                    payload.size(), peer_, whilePhase(phase), e.byte,
                                    preview(payload.data(), payload.size())));
  } catch (const json::out_of_range&) {
    // A number beyond double's range (1e400): nlohmann's parser throws out_of_range, not
    // parse_error (found by tests/fuzz/message_decode_fuzz).
    throw ProtocolError(fmt::format("message of {} bytes from {}{} is not valid JSON (a number out of range; it starts '{}')",
                                    payload.size(), peer_, whilePhase(phase), preview(payload.data(), payload.size())));
  }
}

std::optional<std::string> ControlChannel::tryReceiveFrame(int64_t timeout_ns, std::string_view phase) {
  requireOpen(phase);
  if (!readFrame(deadlineAfter(timeout_ns), phase)) return std::nullopt;
  std::vector<char> payload = std::exchange(rx_, std::vector<char>(4));
  rx_have_ = 0;
  rx_want_ = 4;
  rx_in_payload_ = false;
  return std::string(payload.begin(), payload.end());
}

std::string ControlChannel::receiveFrame(int64_t timeout_ns, std::string_view phase) {
  if (auto frame = tryReceiveFrame(timeout_ns, phase)) return std::move(*frame);
  throwReceiveTimeout(timeout_ns, phase);
}

json ControlChannel::receive(int64_t timeout_ns, std::string_view phase) {
  if (auto message = tryReceive(timeout_ns, phase)) return std::move(*message);
  throwReceiveTimeout(timeout_ns, phase);
}

void ControlChannel::throwReceiveTimeout(int64_t timeout_ns, std::string_view phase) const {
  if (rx_in_payload_ || rx_have_ > 0) {
    throw TimeoutError(fmt::format("incomplete message from {} after {}{} (got {} of {} {} bytes)", peer_,
                                   formatSeconds(timeout_ns), whilePhase(phase), rx_have_, rx_want_,
                                   rx_in_payload_ ? "payload" : "header"));
  }
  throw TimeoutError(fmt::format("no message from {} within {}{}", peer_, formatSeconds(timeout_ns), whilePhase(phase)));
}

// ---- ControlListener -----------------------------------------------------------------------

ControlListener::ControlListener(int fd, std::string address, uint16_t port) noexcept
    : fd_(fd), address_(std::move(address)), port_(port) {}

ControlListener::ControlListener(ControlListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(std::move(other.address_)), port_(std::exchange(other.port_, 0)) {}

ControlListener& ControlListener::operator=(ControlListener&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
    port_ = std::exchange(other.port_, 0);
  }
  return *this;
}

ControlListener::~ControlListener() { close(); }

void ControlListener::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ControlListener ControlListener::listen(const std::string& address, uint16_t port) {
  const std::string name = address.empty() ? std::string("0.0.0.0") : stripBrackets(address);
  std::string why;
  const AddrInfoPtr addresses = resolve(name.c_str(), port, AI_PASSIVE, why);
  if (!addresses) throw TransportError(fmt::format("cannot resolve listen address '{}': {}", address, why));
  const addrinfo* ai = addresses.get();

  const auto fail = [&](int err) -> TransportError {
    if (err == EADDRINUSE) return TransportError(fmt::format("control port {} on {} is in use", port, name));
    return TransportError(fmt::format("cannot listen on control port {} on {}: {}", port, name, errnoText(err)));
  };
  const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) throw fail(errno);
  FdGuard guard(fd);
  const int one = 1;
  const int zero = 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) throw fail(errno);
  if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // "::" takes v4 too
  if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) throw fail(errno);
  if (::listen(fd, SOMAXCONN) != 0) throw fail(errno);

  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw fail(errno);
  const uint16_t bound = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port)
                                                  : ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  return ControlListener(guard.release(), name, bound);
}

ControlChannel ControlListener::accept(int64_t timeout_ns) {
  if (fd_ < 0) throw TransportError(fmt::format("control listener on {} is closed", hostPort(address_, port_)));
  const int64_t deadline = deadlineAfter(timeout_ns);
  while (true) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      setNoDelay(fd);
      return ControlChannel(fd, formatAddress(reinterpret_cast<const sockaddr*>(&ss), true));
    }
    const int err = errno;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;  // that one went away; wait for another
    if (err == EAGAIN || err == EWOULDBLOCK) {
      if (waitFor(fd_, POLLIN, deadline)) continue;
      throw TimeoutError(fmt::format("no control connection on {} within {}", hostPort(address_, port_),
                                     formatSeconds(timeout_ns)));
    }
    throw TransportError(fmt::format("accepting a control connection on {}: {}", hostPort(address_, port_), errnoText(err)));
  }
}

// ---- messages --------------------------------------------------------------------------------

json makeMessage(std::string_view type) { return json{{"type", type}, {"version", kProtocolVersion}}; }

json makeErrorMessage(std::string_view text) {
  json message = makeMessage("error");
  message["message"] = text;
  return message;
}

void expectMessage(const json& msg, std::string_view type, const std::string& peer, std::string_view phase) {
  const auto type_it = msg.is_object() ? msg.find("type") : msg.end();
  if (!msg.is_object() || type_it == msg.end() || !type_it->is_string()) {
    throw ProtocolError(fmt::format("expected message '{}' from {}{}, got something without a \"type\" field", type,
                                    peer, whilePhase(phase)));
  }
  const auto& got = type_it->get_ref<const std::string&>();
  if (got == "error") {
    const auto text = msg.find("message");
    if (text != msg.end() && text->is_string()) throw Error(fmt::format("{}: {}", peer, text->get<std::string>()));
    throw Error(fmt::format("{}: reported an error without a message{}", peer, whilePhase(phase)));
  }
  const auto version = msg.find("version");
  if (version == msg.end() || !version->is_number_integer()) {
    throw ProtocolError(fmt::format("message '{}' from {}{} has no protocol version (ours is {})", got, peer,
                                    whilePhase(phase), kProtocolVersion));
  }
  if (version->get<int64_t>() != kProtocolVersion) {
    throw ProtocolError(fmt::format("protocol version {} from {} does not match ours ({})", version->get<int64_t>(),
                                    peer, kProtocolVersion));
  }
  if (got != type) {
    throw ProtocolError(fmt::format("expected message '{}' from {}{}, got '{}'", type, peer, whilePhase(phase), got));
  }
}

}  // namespace fabcheck::protocol
