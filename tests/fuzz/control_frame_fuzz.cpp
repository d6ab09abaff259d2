// Fuzzes the control connection's receive side (harness/protocol/control_channel.h) with the
// bytes a peer could send: the input is written raw into a real loopback TCP connection, the
// sender half-closes, and the receiving ControlChannel reads frames (4-byte length + JSON) until
// the stream ends; every message it returns goes through the receiver's first check
// (expectMessage, as for a "register") and the test-id lookup (message_decode_fuzz decodes the
// messages themselves, here that would cost most of the time). Expected refusals: ProtocolError (oversize, not JSON), TransportError (the
// peer closed, mid-frame too), TimeoutError never (the sender has closed).
#include <sys/socket.h>

#include <cstdint>
#include <optional>

#include "harness/protocol/control_channel.h"
#include "harness/protocol/agent_messages.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using fabcheck::protocol::ControlChannel;
using fabcheck::protocol::ControlListener;

constexpr int64_t kSecond = 1'000'000'000;

ControlListener& fuzzListener() {
  static ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  return listener;
}

void writeAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the receiver closed (an oversize frame): the rest is not read anyway
    done += static_cast<size_t>(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzzListener();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Inputs above the loopback socket buffer would block the single-threaded writer.
  if (size > 256 * 1024) return 0;
  ControlChannel sender = ControlChannel::connect("127.0.0.1", fuzzListener().port(), 5 * kSecond);
  ControlChannel receiver = fuzzListener().accept(5 * kSecond);
  writeAll(sender.fd(), std::string(reinterpret_cast<const char*>(data), size));
  ::shutdown(sender.fd(), SHUT_WR);
  for (int frames = 0; frames < 1000 && receiver.isOpen(); ++frames) {
    std::optional<nlohmann::json> message;
    try {
      message = receiver.receive(5 * kSecond, "fuzzing");
    } catch (const fabcheck::ProtocolError&) {
      continue;  // not JSON: the channel stays open; oversize: it is closed
    } catch (const fabcheck::TransportError&) {
      break;  // the end of the input, within or between frames
    }
    fabcheck::fuzz::fuzzInput(data, 0, [&](const std::string&) {
      (void)fabcheck::protocol::testIdOf(*message);
      fabcheck::protocol::expectMessage(*message, "register", receiver.peer(), "fuzzing");
    });
  }
  return 0;
}
