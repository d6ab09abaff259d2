// parseVerbsOptions() / checkVerbsOption() (verbs_options.h).
#include "generators/transport/verbs/verbs_options.h"

#include <charconv>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {
namespace {

std::optional<uint64_t> number(const std::string& v) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) return std::nullopt;
  return n;
}

// "" when `v` is an integer in [lo, hi], else what was expected.
std::string inRange(const std::string& v, uint64_t lo, uint64_t hi, const char* what) {
  auto n = number(v);
  if (n && *n >= lo && *n <= hi) return "";
  return std::string("an integer ") + std::to_string(lo) + ".." + std::to_string(hi) + " (" + what + ")";
}

std::string oneOf(const std::string& v, std::initializer_list<const char*> names) {
  std::string list;
  for (const char* n : names) {
    if (v == n) return "";
    list += (list.empty() ? "" : " | ") + std::string(n);
  }
  return "one of " + list;
}

// What `key` expects when `value` is wrong; "" when valid; nullopt for an unknown key.
std::optional<std::string> expected(const std::string& key, const std::string& v) {
  if (key == "verb") return oneOf(v, {"send", "write", "write_imm", "read"});
  if (key == "connection") return oneOf(v, {"rc", "ud"});
  if (key == "qps") return inRange(v, 1, 64, "queue pairs per connection");
  if (key == "device") return v.empty() ? "an RDMA device name such as mlx5_0" : "";
  if (key == "port") return inRange(v, 1, 255, "the device's port number");
  if (key == "gid_index") return inRange(v, 0, 1023, "a GID table index");
  if (key == "mtu") return oneOf(v, {"256", "512", "1024", "2048", "4096"});
  if (key == "sl") return inRange(v, 0, 15, "IB service level");
  if (key == "timeout") return inRange(v, 0, 31, "local ACK timeout exponent: 4.096 us * 2^timeout");
  if (key == "retry_cnt") return inRange(v, 0, 7, "transport retries");
  if (key == "rnr_retry") return inRange(v, 0, 7, "RNR retries, 7 = forever");
  if (key == "min_rnr_timer") return inRange(v, 0, 31, "IB RNR timer encoding");
  if (key == "tx_depth") return inRange(v, 1, 8192, "send queue depth");
  if (key == "rx_depth") return inRange(v, 1, 8192, "receive queue depth");
  if (key == "post_list") return inRange(v, 1, 256, "work requests per post");
  if (key == "cq_mod") return inRange(v, 1, 1024, "signal one send in N");
  if (key == "inline") return inRange(v, 0, 1024, "largest inline send in bytes");
  if (key == "exchange") {
    if (v == "rdma_cm") return "tcp (rdma_cm is not built yet)";
    return oneOf(v, {"tcp"});
  }
  return std::nullopt;
}

Verb verbOf(const std::string& v) {
  if (v == "write") return Verb::kWrite;
  if (v == "write_imm") return Verb::kWriteImm;
  if (v == "read") return Verb::kRead;
  return Verb::kSend;
}

}  // namespace

const char* toString(Verb v) noexcept {
  switch (v) {
    case Verb::kSend: return "send";
    case Verb::kWrite: return "write";
    case Verb::kWriteImm: return "write_imm";
    case Verb::kRead: return "read";
  }
  return "?";
}

const char* toString(QpKind k) noexcept { return k == QpKind::kUd ? "ud" : "rc"; }

const std::vector<std::string>& verbsOptionKeys() {
  static const std::vector<std::string> keys = {
      "verb",     "connection", "qps",      "device",   "port",    "gid_index", "mtu",    "sl",      "timeout",
      "retry_cnt", "rnr_retry", "min_rnr_timer", "tx_depth", "rx_depth", "post_list", "cq_mod", "inline", "exchange"};
  return keys;
}

std::string checkVerbsOption(const std::string& key, const std::string& value) {
  auto e = expected(key, value);
  if (!e) {
    std::string known;
    for (const auto& k : verbsOptionKeys()) known += (known.empty() ? "" : ", ") + k;
    return "unknown option '" + key + "'; expected one of: " + known;
  }
  if (e->empty()) return "";
  return "option '" + key + "' is '" + value + "'; expected " + *e;
}

VerbsOptions parseVerbsOptions(const std::map<std::string, std::string>& extra) {
  for (const auto& [k, v] : extra) {
    std::string why = checkVerbsOption(k, v);
    if (!why.empty()) throw ConfigError("verbs: " + why);
  }
  auto get = [&](const char* k) -> const std::string* {
    auto it = extra.find(k);
    return it == extra.end() ? nullptr : &it->second;
  };
  auto u = [&](const char* k, auto& field) {
    if (const std::string* v = get(k)) field = static_cast<std::remove_reference_t<decltype(field)>>(*number(*v));
  };
  VerbsOptions o;
  if (const std::string* v = get("verb")) o.verb = verbOf(*v);
  if (const std::string* v = get("connection")) o.connection = *v == "ud" ? QpKind::kUd : QpKind::kRc;
  if (const std::string* v = get("device")) o.device = *v;
  if (const std::string* v = get("port")) o.port = static_cast<uint8_t>(*number(*v));
  if (const std::string* v = get("gid_index")) o.gid_index = static_cast<uint32_t>(*number(*v));
  if (const std::string* v = get("mtu")) o.mtu = static_cast<uint32_t>(*number(*v));
  if (const std::string* v = get("inline")) o.inline_bytes = static_cast<uint32_t>(*number(*v));
  u("qps", o.qps);
  u("sl", o.sl);
  u("timeout", o.timeout);
  u("retry_cnt", o.retry_cnt);
  u("rnr_retry", o.rnr_retry);
  u("min_rnr_timer", o.min_rnr_timer);
  u("tx_depth", o.tx_depth);
  u("rx_depth", o.rx_depth);
  u("post_list", o.post_list);
  u("cq_mod", o.cq_mod);
  if (o.connection == QpKind::kUd && o.verb != Verb::kSend) {
    throw ConfigError(std::string("verbs: verb '") + toString(o.verb) +
                      "' needs connection rc; a UD QP carries SEND only");
  }
  return o;
}

}  // namespace fabcheck::transport::verbs
