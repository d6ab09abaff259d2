// VerbsConnection: set-up, regions, bring-up and descriptions (verbs_connection.h). The data
// path (post, poll) is in verbs_connection_data.cpp.
#include "generators/transport/verbs/verbs_connection.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "generators/core/errors.h"
#include "generators/transport/verbs/verbs_addressing.h"
#include "generators/transport/verbs/verbs_qp_setup.h"

namespace fabcheck::transport::verbs {
namespace {

constexpr size_t kWindowBytes = 8u << 20;  // one-sided ops' target, as perftest's buffer
constexpr int kMrAccess = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;

int cqEntries(const VerbsOptions& o) {
  return static_cast<int>(o.qps * (o.tx_depth + o.rx_depth) + 64);
}

uint32_t randomPsn() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return rng() & 0xffffffu;
}

}  // namespace

VerbsConnection::VerbsConnection(VerbsConnectionSetup setup)
    : setup_(std::move(setup)),
      dev_(setup_.device),
      o_(setup_.options),
      cq_(dev_, cqEntries(o_), setup_.want_timestamps) {
  const uint32_t nqp = o_.connection == QpKind::kUd ? 1 : o_.qps;
  const uint32_t device_inline = o_.inline_bytes.value_or(236);
  const VerbsAddress& a = dev_->address();
  mine_.host = setup_.local_host;
  mine_.device = a.device;
  mine_.port = a.port;
  mine_.gid_index = a.gid_index;
  mine_.gid = a.gid_text;
  mine_.link_layer = a.link_layer;
  mine_.lid = a.lid;
  mine_.active_mtu = a.active_mtu;
  mine_.verb = toString(o_.verb);
  mine_.connection = toString(o_.connection);
  mine_.qps = nqp;
  try {
    for (uint32_t i = 0; i < nqp; ++i) {
      QpCaps caps{.send_wr = o_.tx_depth, .recv_wr = o_.rx_depth,
                  .recv_sge = o_.connection == QpKind::kUd ? 2u : 1u, .inline_bytes = device_inline};
      Qp q;
      q.qp = createQp(*dev_, cq_.cq(), o_.connection, caps);
      qps_.push_back(std::move(q));
      inline_bytes_ = i == 0 ? caps.inline_bytes : std::min(inline_bytes_, caps.inline_bytes);
      moveToInit(*dev_, qps_.back().qp, o_.connection);
      mine_.qpns.push_back(qps_.back().qp->qp_num);
      mine_.psns.push_back(randomPsn());
    }
    mine_.qkey = o_.connection == QpKind::kUd ? kUdQkey : 0;
    batch_.wrs.resize(qps_.size());
    batch_.sges.resize(qps_.size());
    for (size_t i = 0; i < qps_.size(); ++i) {  // at most tx_depth per QP per post: sg_list pointers stay valid
      batch_.wrs[i].reserve(o_.tx_depth);
      batch_.sges[i].reserve(o_.tx_depth);
    }
    createRegions();
  } catch (...) {
    releaseAll();  // the members' own destructors run as the exception leaves
    throw;
  }
}

VerbsConnection::~VerbsConnection() { releaseAll(); }

void VerbsConnection::releaseAll() noexcept {
  for (Qp& q : qps_) {
    if (q.qp != nullptr) dev_->api().destroyQp(q.qp);
    q.qp = nullptr;
  }
  if (ah_ != nullptr) dev_->api().destroyAh(ah_);
  ah_ = nullptr;
  releaseRegion(fifo_);
  releaseRegion(staging_);
  releaseRegion(grh_);
  releaseRegion(window_);
}

OwnedRegion VerbsConnection::ownRegion(size_t bytes, int access) {
  OwnedRegion r;
  const size_t rounded = (bytes + 4095) / 4096 * 4096;
  void* p = std::aligned_alloc(4096, rounded);
  if (p == nullptr) throw TransportError("verbs: cannot allocate " + std::to_string(rounded) + " bytes");
  std::memset(p, 0, rounded);
  r.mem = std::unique_ptr<std::byte[], void (*)(void*)>(static_cast<std::byte*>(p), &std::free);
  r.size = rounded;
  r.mr = dev_->api().regMr(dev_->pd(), p, rounded, access);
  if (r.mr == nullptr) {
    throw TransportError("verbs: " + dev_->describe() + ": ibv_reg_mr of " + std::to_string(rounded) +
                         " bytes failed: " + errnoWords(errno) + "; check the locked-memory limit (ulimit -l)");
  }
  return r;
}

void VerbsConnection::releaseRegion(OwnedRegion& r) noexcept {
  if (r.mr != nullptr) dev_->api().deregMr(r.mr);
  r.mr = nullptr;
  r.mem.reset();
}

void VerbsConnection::createRegions() {
  const uint32_t entries = o_.rx_depth;
  if (o_.verb == Verb::kWriteImm) {
    fifo_ = ownRegion(entries * sizeof(CtsEntry), kMrAccess);
    staging_ = ownRegion(entries * sizeof(CtsEntry), IBV_ACCESS_LOCAL_WRITE);
    mine_.fifo_addr = reinterpret_cast<uint64_t>(fifo_.mem.get());
    mine_.fifo_rkey = fifo_.mr->rkey;
    mine_.fifo_entries = entries;
    recv_slots_.assign(entries, RecvSlot{});
  } else {
    const uint32_t slots = o_.rx_depth * static_cast<uint32_t>(qps_.size());
    recv_slots_.assign(slots, RecvSlot{});
    for (uint32_t i = slots; i > 0; --i) free_slots_.push_back(i - 1);
  }
  if (o_.connection == QpKind::kUd) grh_ = ownRegion(size_t{kUdGrhBytes} * recv_slots_.size(), IBV_ACCESS_LOCAL_WRITE);
  if (o_.verb == Verb::kWrite || o_.verb == Verb::kRead) {
    window_ = ownRegion(kWindowBytes, kMrAccess);
    mine_.window_addr = reinterpret_cast<uint64_t>(window_.mem.get());
    mine_.window_rkey = window_.mr->rkey;
    mine_.window_bytes = window_.size;
  }
}

void VerbsConnection::connectTo(const SideInfo& peer) {
  checkCompatible(mine_, peer);
  if (o_.verb == Verb::kWriteImm && peer.fifo_entries == 0) {
    throw ProtocolError("verbs: " + peer.host + " sent no CTS FIFO for verb write_imm");
  }
  const ibv_mtu mtu = pathMtu(mtuEnum(mine_.active_mtu), mtuEnum(peer.active_mtu), o_.mtu);
  const uint8_t tclass = setup_.traffic_class;
  for (size_t i = 0; i < qps_.size(); ++i) {
    moveToRtr(*dev_, qps_[i].qp, o_, peer, peer.qpns[i], peer.psns[i], mtu, tclass);
    moveToRts(*dev_, qps_[i].qp, o_, mine_.psns[i]);
  }
  if (o_.connection == QpKind::kUd) {
    ibv_ah_attr av = addressVector(*dev_, peer, tclass, o_.sl);
    ah_ = dev_->api().createAh(dev_->pd(), &av);
    if (ah_ == nullptr) {
      throw TransportError("verbs: " + dev_->describe() + ": ibv_create_ah toward " + peer.host + " (" + peer.gid +
                           ") failed: " + errnoWords(errno) + "; check the GID index and that the peer is reachable");
    }
  }
  peer_ = peer;
  connected_ = true;
}

MemoryRegion VerbsConnection::registerMemory(std::byte* data, size_t size) {
  ibv_mr* mr = dev_->api().regMr(dev_->pd(), data, size, kMrAccess);
  if (mr == nullptr) {
    throw TransportError("verbs: " + dev_->describe() + ": ibv_reg_mr of " + std::to_string(size) +
                         " bytes failed: " + errnoWords(errno) + "; check the locked-memory limit (ulimit -l)");
  }
  return MemoryRegion{.data = data, .size = size, .local_key = mr->lkey, .remote_key = mr->rkey, .native = mr};
}

void VerbsConnection::deregisterMemory(MemoryRegion& region) noexcept {
  if (region.native != nullptr) dev_->api().deregMr(static_cast<ibv_mr*>(region.native));
  region.native = nullptr;
}

std::optional<MemoryRegion> VerbsConnection::remoteRegion() const noexcept {
  if (!connected_ || peer_.window_bytes == 0) return std::nullopt;
  return MemoryRegion{.data = reinterpret_cast<std::byte*>(peer_.window_addr), .size = peer_.window_bytes,
                      .local_key = 0, .remote_key = peer_.window_rkey, .native = nullptr};
}

std::string VerbsConnection::qpText(size_t qp) const {
  std::string s = dev_->describe() + " QP " + std::to_string(qps_[qp].qp->qp_num);
  if (connected_) s += " -> " + peer_.host + " (" + peer_.device + " QP " + std::to_string(peer_.qpns[qp]) + ")";
  return s;
}

std::string VerbsConnection::describe() const {
  std::string s = std::string("verbs ") + toString(o_.connection) + " " + toString(o_.verb) + " " + dev_->describe();
  if (connected_) s += " -> " + peer_.host + " " + peer_.device;
  return s + " (" + std::to_string(qps_.size()) + " QP" + (qps_.size() == 1 ? "" : "s") + ")";
}

std::string VerbsConnection::errorText(const Completion& c) const {
  if ((c.status == OpStatus::kError || c.status == OpStatus::kFlushed) && !first_error_.empty()) {
    return c.status == OpStatus::kFlushed ? "flushed after: " + first_error_ : first_error_;
  }
  return Connection::errorText(c);
}

}  // namespace fabcheck::transport::verbs
