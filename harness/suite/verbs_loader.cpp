// The verbs test keys of a suite (verbs_loader.h).
#include "harness/suite/verbs_loader.h"

#include "generators/transport/verbs/verbs_options.h"

namespace fabcheck::suite::detail {
namespace {

constexpr uint32_t kUdMaxMessage = 4096;  // a UD SEND carries one packet: at most the largest IB MTU

// "expected ..." out of checkVerbsOption's "option 'k' is 'v'; expected ...".
std::string expectedPart(const std::string& why) {
  const auto at = why.find("; expected ");
  return at == std::string::npos ? why : why.substr(at + 2);
}

std::string extraOr(const SuiteTest& t, const char* key, const char* otherwise) {
  const auto& extra = t.spec.transport_options.extra;
  const auto it = extra.find(key);
  return it == extra.end() ? otherwise : it->second;
}

// The position of a verbs key's value when the test (or defaults) gave it, else the test's.
const Val& where(const TestKeys& keys, const Val& entry, const char* key) {
  const Val* v = keys.get(key);
  return v ? *v : entry;
}

// The largest message the test sends: a flow test's size, a collective's wire message.
uint32_t messageBytes(const SuiteTest& t) {
  return t.spec.collective ? t.spec.collective->message_bytes : t.spec.params.size_bytes;
}

}  // namespace

const std::vector<std::string>& verbsSuiteKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& key : transport::verbs::verbsOptionKeys()) k.push_back(key == "timeout" ? "qp_timeout" : key);
    return k;
  }();
  return keys;
}

std::string verbsExtraKey(const std::string& suite_key) {
  return suite_key == "qp_timeout" ? "timeout" : suite_key;
}

void loadVerbsKeys(SuiteReader& r, const TestKeys& keys, SuiteTest& t) {
  const bool verbs = t.spec.transport == "verbs";
  for (const auto& key : verbsSuiteKeys()) {
    const Val* v = keys.get(key);
    if (!v || (!verbs && !keys.isOwn(key))) continue;
    const auto value = r.scalar(*v, key, "a value for the verbs transport");
    if (!value) continue;
    if (!verbs) {
      r.error(*v, key + " '" + *value + "': a verbs transport key; this test's transport is " + t.spec.transport +
                      " (set transport: verbs)");
      continue;
    }
    const std::string why = transport::verbs::checkVerbsOption(verbsExtraKey(key), *value);
    if (!why.empty()) {
      r.error(*v, key + " '" + *value + "': " + expectedPart(why));
      continue;
    }
    t.spec.transport_options.extra[verbsExtraKey(key)] = *value;
  }
}

void checkVerbsTest(SuiteReader& r, const Val& entry, const TestKeys& keys, const SuiteTest& t) {
  if (t.spec.transport != "verbs") return;
  const std::string verb = extraOr(t, "verb", "send");
  const std::string pattern = t.spec.pattern.empty() ? "?" : t.spec.pattern;
  if (verb == "write" || verb == "read") {
    const std::string what = verb == "write" ? "RDMA WRITE completes at the sender and is invisible to the receiver"
                                             : "RDMA READ completes at the reader and is invisible to its peer";
    r.error(where(keys, entry, "verb"), "verb '" + verb + "' is one-sided: " + what + ", so pattern '" + pattern +
                                            "' cannot measure it; use write_imm (seen by both) or `fabcheck gen --verb " +
                                            verb + "`");
    return;
  }
  if (extraOr(t, "connection", "rc") != "ud") return;
  if (verb != "send") {
    r.error(where(keys, entry, "verb"),
            "verb '" + verb + "': connection ud carries SEND only; use verb send or connection rc");
  }
  const uint32_t bytes = messageBytes(t);
  if (bytes > kUdMaxMessage) {
    const char* key = t.spec.collective ? "message_size" : "size";
    const Val& at = keys.get(key) ? *keys.get(key) : where(keys, entry, "connection");
    r.error(at, std::string(key) + " '" + std::to_string(bytes) +
                    "': connection ud carries one MTU per message; expected at most 4096 bytes (or connection rc)");
  }
}

}  // namespace fabcheck::suite::detail
