// The progress thread: waits on the wire socket, the wake eventfd and the earliest timer, then
// (under the device mutex) sends queued control packets, dispatches received packets and runs
// every QP's requester (timeouts, transmission, completions).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "generators/transport/verbs/soft/soft_device.h"
#include "generators/transport/verbs/soft/soft_fabric_dir.h"

namespace fabcheck::transport::verbs::soft {

namespace {
constexpr uint64_t kBackoffNs = 50'000;        // retry after back-pressure
constexpr uint64_t kIdleNs = 100'000'000;      // longest sleep
}  // namespace

void SoftDevice::run() {
  PacketHeader h;
  std::vector<uint8_t> data;
  while (!stop_) {
    uint64_t wait_ns;
    {
      std::lock_guard lock(mu_);
      wait_ns = nextDeadline(rawClockNs());
    }
    pollfd fds[2] = {{wire_.fd(), POLLIN, 0}, {event_fd_, POLLIN, 0}};
    timespec to{static_cast<time_t>(wait_ns / 1000000000ull), static_cast<long>(wait_ns % 1000000000ull)};
    ::ppoll(fds, 2, &to, nullptr);
    uint64_t drained;
    (void)!::read(event_fd_, &drained, sizeof drained);
    std::lock_guard lock(mu_);
    uint64_t now = rawClockNs();
    flushBacklog();
    for (int i = 0; i < 256 && wire_.receive(h, data); ++i) dispatch(h, data, now);
    timers(rawClockNs());
  }
}

uint64_t SoftDevice::nextDeadline(uint64_t now) const {
  uint64_t best = now + kIdleNs;
  auto consider = [&](uint64_t t) {
    if (t > now && t < best) best = t;
  };
  if (!backlog_.empty()) consider(backlog_retry_at_);
  for (const auto& [qpn, qp] : qps_) {
    consider(qp->ack_deadline);
    consider(qp->resume_at);
  }
  return best > now ? best - now : 0;
}

void SoftDevice::timers(uint64_t now) {
  for (auto& [qpn, qp] : qps_) requesterRun(qp.get(), now);
}

bool SoftDevice::hasGid(const uint8_t* gid) const {
  for (const auto& g : gids_)
    if (std::memcmp(g.gid.raw, gid, 16) == 0) return true;
  return false;
}

void SoftDevice::dispatch(const PacketHeader& h, const std::vector<uint8_t>& data, uint64_t now) {
  if (!hasGid(h.dgid)) return;  // not addressed to this device: nowhere on a real fabric
  auto it = qps_.find(h.dst_qpn);
  if (it == qps_.end()) return;
  SoftQp* qp = it->second.get();
  switch (h.type) {
    case kPktRequest: onRequest(qp, h, data); break;
    case kPktUd: onUd(qp, h, data); break;
    case kPktAck: onAck(qp, h, now); break;
    case kPktNak: onNak(qp, h, now); break;
    case kPktReadResp: onReadResponse(qp, h, data, now); break;
    default: break;
  }
}

int SoftDevice::sendPacket(uint32_t qpn, PacketHeader& h, const void* payload) {
  if (fault_->load() == static_cast<int>(SoftFault::kPathDead)) return 0;  // lost on the way
  auto it = peer_cache_.find(qpn);
  if (it == peer_cache_.end()) {
    std::string path = lookupQpn(config_.fabric_dir, qpn);
    if (path.empty()) return ENOENT;
    it = peer_cache_.emplace(qpn, path).first;
  }
  h.dst_qpn = qpn;
  int e = wire_.send(it->second, h, payload);
  if (e != 0 && e != EAGAIN) peer_cache_.erase(qpn);
  return e;
}

void SoftDevice::sendOrQueue(uint32_t qpn, PacketHeader& h, const void* payload) {
  if (backlog_.empty() && sendPacket(qpn, h, payload) != EAGAIN) return;
  Outbound out{qpn, h, {}};
  auto* p = static_cast<const uint8_t*>(payload);
  if (h.payload_len > 0) out.payload.assign(p, p + h.payload_len);
  if (backlog_.empty()) backlog_retry_at_ = rawClockNs() + kBackoffNs;
  backlog_.push_back(std::move(out));
}

void SoftDevice::flushBacklog() {
  while (!backlog_.empty()) {
    Outbound& o = backlog_.front();
    if (sendPacket(o.qpn, o.h, o.payload.data()) == EAGAIN) {
      backlog_retry_at_ = rawClockNs() + kBackoffNs;
      return;
    }
    backlog_.pop_front();
  }
}

void SoftDevice::fillPath(SoftQp* qp, const ibv_ah_attr& av, PacketHeader& h) const {
  std::memcpy(h.sgid, gids_[av.grh.sgid_index].gid.raw, 16);
  std::memcpy(h.dgid, av.grh.dgid.raw, 16);
  h.tclass = av.grh.traffic_class;
  h.hop_limit = av.grh.hop_limit;
  h.flow_label = av.grh.flow_label;
  h.src_qpn = qp->ibv.qp_num;
}

}  // namespace fabcheck::transport::verbs::soft
