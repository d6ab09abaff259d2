// net-snmp single-session client (snmp_session.h). net-snmp's headers stay in this file.
#include "harness/counters/snmp_session.h"

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// clang-format on

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace fabcheck::counters {

namespace {

std::mutex& libraryMutex() {
  static std::mutex m;
  return m;
}

// net-snmp logs to stderr whenever no log handler is enabled; fabcheck reports the library's
// errors through exceptions instead, so its log lines go nowhere.
int discardLibraryLog(int, int, void*, void*) { return 0; }

// Under libraryMutex(): once per process.
void initLibrary() {
  static bool done = false;
  if (done) return;
  setenv("MIBS", "", 1);  // load no MIB modules (Debian ships no IETF MIBs; numeric OIDs only)
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
  // The certificate index loader creates <persistentDir>/cert_indexes at init even so (seen:
  // /var/lib/snmp/cert_indexes); a directory under /dev/null can never be created.
  set_persistent_directory("/dev/null/fabcheck-snmp");
  snmp_disable_log();
  snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, discardLibraryLog, nullptr);
  snmp_enable_calllog();
  init_snmp("fabcheck");
  done = true;
}

// net-snmp keeps one USM user (with its keys) per (engine ID, user name) for the whole process
// and reuses it for every later session: a second session with other keys would silently use
// the first one's. So: the users our open sessions share, with a fingerprint of their keys; a
// user is removed from net-snmp's list when its last session closes. Under libraryMutex().
struct UsmUse {
  size_t keys = 0;  // hash of protocols and passphrases
  int sessions = 0;
};
std::map<std::string, UsmUse>& usmUses() {
  static std::map<std::string, UsmUse> uses;
  return uses;
}

// "" for a non-v3 session; else engine ID bytes + '\0' + user name.
std::string usmKey(void* handle) {
  const netsnmp_session* ss = snmp_sess_session(handle);
  if (!ss || ss->version != SNMP_VERSION_3 || ss->securityEngineIDLen == 0) return "";
  return std::string(reinterpret_cast<const char*>(ss->securityEngineID), ss->securityEngineIDLen) + '\0' +
         std::string(ss->securityName ? ss->securityName : "", ss->securityNameLen);
}

size_t keysFingerprint(const model::SnmpSpec& c) {
  return std::hash<std::string>{}(std::string(model::toString(c.auth)) + '\0' + c.auth_key + '\0' + model::toString(c.priv) + '\0' +
                                  c.priv_key);
}

void forgetUsmUser(void* handle) {
  const netsnmp_session* ss = snmp_sess_session(handle);
  if (!ss || ss->securityEngineIDLen == 0 || !ss->securityName) return;
  if (usmUser* u = usm_get_user(ss->securityEngineID, ss->securityEngineIDLen, ss->securityName)) {
    usm_remove_user(u);
    usm_free_user(u);
  }
}

std::string takeError(char* s) {
  std::string out = s ? s : "unknown error";
  std::free(s);
  return out;
}

const char* authName(model::SnmpAuth a) {
  switch (a) {
    case model::SnmpAuth::kMd5: return "MD5";
    case model::SnmpAuth::kSha: return "SHA";
    case model::SnmpAuth::kSha256: return "SHA-256";
    case model::SnmpAuth::kSha512: return "SHA-512";
    case model::SnmpAuth::kNone: break;
  }
  return "";
}

// The passphrase into a localizable key (Ku) of the auth protocol's hash; throws on failure.
void makeKu(netsnmp_session& s, const std::string& pass, u_char* key, size_t* len, const std::string& what) {
  *len = USM_AUTH_KU_LEN;
  if (generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen), reinterpret_cast<const u_char*>(pass.data()),
                  pass.size(), key, len) != SNMPERR_SUCCESS) {
    throw SnmpError(what + ": cannot derive the key from the passphrase (net-snmp generate_Ku failed)");
  }
}

void setV3(netsnmp_session& s, const model::SwitchSpec& sw, const std::string& what) {
  const model::SnmpSpec& c = sw.snmp;
  s.version = SNMP_VERSION_3;
  s.securityName = const_cast<char*>(c.user.c_str());
  s.securityNameLen = c.user.size();
  s.securityLevel = c.auth == model::SnmpAuth::kNone   ? SNMP_SEC_LEVEL_NOAUTH
                    : c.priv == model::SnmpPriv::kNone ? SNMP_SEC_LEVEL_AUTHNOPRIV
                                                       : SNMP_SEC_LEVEL_AUTHPRIV;
  if (c.auth == model::SnmpAuth::kNone) return;
  size_t len = 0;
  const int at = usm_lookup_auth_type(authName(c.auth));
  const oid* ap = at < 0 ? nullptr : sc_get_auth_oid(at, &len);
  if (!ap) throw SnmpError(what + ": this net-snmp has no " + model::toString(c.auth) + " authentication");
  s.securityAuthProto = snmp_duplicate_objid(ap, len);
  s.securityAuthProtoLen = len;
  makeKu(s, c.auth_key, s.securityAuthKey, &s.securityAuthKeyLen, what + " auth_key_file " + c.auth_key_file);
  if (c.priv == model::SnmpPriv::kNone) return;
  const int pt = usm_lookup_priv_type(c.priv == model::SnmpPriv::kAes ? "AES" : "DES");
  const oid* pp = pt < 0 ? nullptr : sc_get_priv_oid(pt, &len);
  if (!pp) throw SnmpError(what + ": this net-snmp has no " + model::toString(c.priv) + " privacy");
  s.securityPrivProto = snmp_duplicate_objid(pp, len);
  s.securityPrivProtoLen = len;
  makeKu(s, c.priv_key, s.securityPrivKey, &s.securityPrivKeyLen, what + " priv_key_file " + c.priv_key_file);
}

SnmpVar decode(const netsnmp_variable_list* vb, size_t root_len) {
  SnmpVar v;
  v.oid.assign(vb->name, vb->name + vb->name_length);
  v.index.assign(v.oid.begin() + static_cast<std::ptrdiff_t>(root_len), v.oid.end());
  switch (vb->type) {
    case ASN_COUNTER64:
      v.type = SnmpType::kCounter64;
      v.value = (static_cast<uint64_t>(vb->val.counter64->high & 0xffffffffu) << 32) | (vb->val.counter64->low & 0xffffffffu);
      break;
    case ASN_COUNTER: v.type = SnmpType::kCounter32; break;
    case ASN_GAUGE: v.type = SnmpType::kGauge32; break;
    case ASN_TIMETICKS: v.type = SnmpType::kTimeTicks; break;
    case ASN_INTEGER:
      v.type = SnmpType::kInteger;
      v.value = static_cast<uint64_t>(*vb->val.integer);
      break;
    case ASN_OCTET_STR:
      v.type = SnmpType::kString;
      v.text.assign(reinterpret_cast<const char*>(vb->val.string), vb->val_len);
      break;
    default: break;
  }
  if (v.type == SnmpType::kCounter32 || v.type == SnmpType::kGauge32 || v.type == SnmpType::kTimeTicks) {
    v.value = static_cast<uint64_t>(*vb->val.integer) & 0xffffffffu;
  }
  return v;
}

bool endOfColumn(const netsnmp_variable_list* vb) {
  return vb->type == SNMP_ENDOFMIBVIEW || vb->type == SNMP_NOSUCHOBJECT || vb->type == SNMP_NOSUCHINSTANCE;
}

constexpr long kVarbindsPerRequest = 48;  // GETBULK varbinds per request, all columns together
constexpr size_t kMaxRowsPerColumn = 100000;

}  // namespace

Oid parseOid(const std::string& text) {
  Oid out;
  size_t i = text.empty() || text[0] != '.' ? 0 : 1;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 10 || (j < text.size() && text[j] != '.')) throw Error("'" + text + "' is not a numeric OID like .1.3.6.1");
    const unsigned long long x = std::stoull(text.substr(i, j - i));
    if (x > 0xffffffffull) throw Error("'" + text + "' has a sub-identifier above 2^32-1");
    out.push_back(static_cast<uint32_t>(x));
    i = j + 1;
  }
  if (out.empty()) throw Error("'" + text + "' is not a numeric OID like .1.3.6.1");
  return out;
}

std::string oidText(const Oid& o) {
  std::string s;
  for (uint32_t x : o) s += "." + std::to_string(x);
  return s;
}

bool oidStartsWith(const Oid& o, const Oid& p) { return o.size() > p.size() && std::equal(p.begin(), p.end(), o.begin()); }

std::string snmpPeerName(const std::string& a) {
  for (const char* t : {"unix:", "udp:", "udp6:", "tcp:", "tcp6:"}) {
    if (a.rfind(t, 0) == 0) return a;
  }
  if (!a.empty() && a[0] == '[') return "udp6:" + a;
  if (a.find(':') != a.rfind(':')) return "udp6:[" + a + "]";  // a bare IPv6 address
  return "udp:" + a;
}

SnmpSession::SnmpSession(const model::SwitchSpec& sw)
    : name_(sw.name), address_(sw.address), timeout_ns_(sw.timeout_ns), retries_(sw.retries) {
  const std::string what = "switch " + name_ + " (" + address_ + ")";
  std::lock_guard<std::mutex> lock(libraryMutex());
  initLibrary();
  netsnmp_session s;
  snmp_sess_init(&s);
  const std::string peer = snmpPeerName(address_);
  s.peername = const_cast<char*>(peer.c_str());
  s.timeout = static_cast<long>(timeout_ns_ / 1000);
  s.retries = retries_;
  if (sw.snmp.version == model::SnmpVersion::kV2c) {
    s.version = SNMP_VERSION_2c;
    s.community = reinterpret_cast<u_char*>(const_cast<char*>(sw.snmp.community.data()));
    s.community_len = sw.snmp.community.size();
  } else {
    try {
      setV3(s, sw, what);
    } catch (...) {
      SNMP_FREE(s.securityAuthProto);
      SNMP_FREE(s.securityPrivProto);
      throw;
    }
  }
  handle_ = snmp_sess_open(&s);
  std::string why;
  if (!handle_) {
    int liberr = 0, syserr = 0;
    char* str = nullptr;
    snmp_error(&s, &liberr, &syserr, &str);
    why = takeError(str);
  }
  SNMP_FREE(s.securityAuthProto);
  SNMP_FREE(s.securityPrivProto);
  std::memset(s.securityAuthKey, 0, sizeof(s.securityAuthKey));
  std::memset(s.securityPrivKey, 0, sizeof(s.securityPrivKey));
  if (!handle_) throw SnmpError(what + ": cannot open an SNMP session: " + why + describeTries());
  if (sw.snmp.version == model::SnmpVersion::kV3) {
    user_ = sw.snmp.user;
    keys_ = keysFingerprint(sw.snmp);
  }
}

// Under the mutex, after a request was answered (net-snmp may learn the engine ID only then):
// counts this session's use of its USM user; a user already held by another open session with
// other keys is refused (net-snmp would have used those keys for this session).
void SnmpSession::shareUsmUser() {
  if (!usm_key_.empty()) return;
  const std::string key = usmKey(handle_);
  if (key.empty()) return;
  UsmUse& use = usmUses()[key];
  if (use.sessions > 0 && use.keys != keys_) {
    throw SnmpError("switch " + name_ + " (" + address_ + "): another open session to the same SNMP engine uses v3 user '" + user_ +
                    "' with other keys; net-snmp keeps one set of keys per user and engine in a process");
  }
  use.keys = keys_;
  ++use.sessions;
  usm_key_ = key;
}

SnmpSession::~SnmpSession() {
  if (!handle_) return;
  std::lock_guard<std::mutex> lock(libraryMutex());
  const std::string key = usm_key_.empty() ? usmKey(handle_) : usm_key_;
  if (!key.empty()) {
    auto it = usmUses().find(key);
    if (it != usmUses().end() && !usm_key_.empty()) --it->second.sessions;
    if (it == usmUses().end() || it->second.sessions <= 0) {
      if (it != usmUses().end()) usmUses().erase(it);
      forgetUsmUser(handle_);  // the next session with this user localizes its own keys again
    }
  }
  snmp_sess_close(handle_);
}

// Under the mutex: one GETBULK for the active columns; appends what is inside each column and
// moves its position; returns the columns that ended. Throws SnmpError without an answer.
std::vector<size_t> SnmpSession::bulkStep(const std::vector<Oid>& roots, std::vector<Oid>& pos, const std::vector<size_t>& active,
                                          long& reps, std::vector<std::vector<SnmpVar>>& out) {
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
  pdu->non_repeaters = 0;
  pdu->max_repetitions = reps;
  for (size_t c : active) {
    std::vector<oid> o(pos[c].begin(), pos[c].end());
    snmp_add_null_var(pdu, o.data(), o.size());
  }
  netsnmp_pdu* resp = nullptr;
  const int st = snmp_sess_synch_response(handle_, pdu, &resp);
  const std::string what = "switch " + name_ + " (" + address_ + ")";
  if (st != STAT_SUCCESS || !resp) {
    if (resp) snmp_free_pdu(resp);
    if (st == STAT_TIMEOUT) throw SnmpError(what + ": no answer" + describeTries());
    int liberr = 0, syserr = 0;
    char* str = nullptr;
    snmp_sess_error(handle_, &liberr, &syserr, &str);
    throw SnmpError(what + ": " + takeError(str) + describeTries());
  }
  std::unique_ptr<netsnmp_pdu, void (*)(netsnmp_pdu*)> owned(resp, snmp_free_pdu);
  if (resp->errstat == SNMP_ERR_TOOBIG && reps > 1) {
    reps /= 2;
    return {};
  }
  if (resp->errstat != SNMP_ERR_NOERROR) {
    throw SnmpError(what + ": GETBULK of " + oidText(pos[active.front()]) + " answered " + snmp_errstring(static_cast<int>(resp->errstat)));
  }
  std::vector<bool> ended(roots.size(), false);
  size_t k = 0;
  for (const netsnmp_variable_list* vb = resp->variables; vb; vb = vb->next_variable, ++k) {
    const size_t c = active[k % active.size()];
    if (ended[c]) continue;
    Oid name(vb->name, vb->name + vb->name_length);
    if (endOfColumn(vb) || !oidStartsWith(name, roots[c]) || !(pos[c] < name) || out[c].size() >= kMaxRowsPerColumn) {
      ended[c] = true;
      continue;
    }
    out[c].push_back(decode(vb, roots[c].size()));
    pos[c] = std::move(name);
  }
  std::vector<size_t> done;
  for (size_t c : active) {
    if (ended[c] || k == 0) done.push_back(c);
  }
  return done;
}

std::vector<std::vector<SnmpVar>> SnmpSession::walk(const std::vector<Oid>& roots) {
  std::vector<std::vector<SnmpVar>> out(roots.size());
  std::vector<Oid> pos = roots;
  std::vector<size_t> active;
  for (size_t c = 0; c < roots.size(); ++c) active.push_back(c);
  std::lock_guard<std::mutex> lock(libraryMutex());
  long reps = 0;
  while (!active.empty()) {
    if (reps == 0) reps = std::max<long>(1, kVarbindsPerRequest / static_cast<long>(active.size()));
    const long before = reps;
    const std::vector<size_t> done = bulkStep(roots, pos, active, reps, out);
    if (reps != before) continue;  // tooBig: the same request with fewer repetitions
    std::vector<size_t> still;
    for (size_t c : active) {
      if (std::find(done.begin(), done.end(), c) == done.end()) still.push_back(c);
    }
    if (still.size() != active.size()) reps = 0;
    active = std::move(still);
  }
  shareUsmUser();
  return out;
}

std::string SnmpSession::describeTries() const {
  return " (timeout " + std::to_string(timeout_ns_ / 1'000'000) + " ms, " + std::to_string(retries_) + " retries)";
}

}  // namespace fabcheck::counters
