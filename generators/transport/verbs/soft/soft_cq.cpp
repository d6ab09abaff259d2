// Completion queues, completion channels, and how completions are made (including the flush
// of a QP that enters the error state).
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "generators/transport/verbs/soft/soft_device.h"

namespace fabcheck::transport::verbs::soft {

ibv_comp_channel* SoftDevice::createChannel() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return nullptr;
  std::lock_guard lock(mu_);
  auto ch = std::make_unique<SoftChannel>();
  ch->ibv.context = &ctx_.ibv;
  ch->ibv.fd = fd;
  SoftChannel* raw = ch.get();
  channels_[raw] = std::move(ch);
  return &raw->ibv;
}

int SoftDevice::destroyChannel(SoftChannel* ch) {
  std::lock_guard lock(mu_);
  for (auto& [k, cq] : cqs_) if (cq->channel == ch) return EBUSY;
  auto it = channels_.find(ch);
  if (it == channels_.end()) return EINVAL;
  ::close(ch->ibv.fd);
  channels_.erase(it);
  return 0;
}

ibv_cq* SoftDevice::createCq(int cqe, SoftChannel* ch, bool timestamps) {
  if (cqe < 1 || cqe > 65536) {
    errno = EINVAL;
    return nullptr;
  }
  if (timestamps && !config_.completion_timestamps) {
    errno = EOPNOTSUPP;
    return nullptr;
  }
  std::lock_guard lock(mu_);
  auto cq = std::make_unique<SoftCq>();
  cq->ibv.context = &ctx_.ibv;
  cq->ibv.channel = ch ? &ch->ibv : nullptr;
  cq->ibv.cqe = cqe;
  cq->ibv.handle = next_key_++;
  cq->dev = this;
  cq->channel = ch;
  cq->timestamps = timestamps;
  SoftCq* raw = cq.get();
  cqs_[raw] = std::move(cq);
  return &raw->ibv;
}

int SoftDevice::destroyCq(SoftCq* cq) {
  std::lock_guard lock(mu_);
  for (auto& [k, qp] : qps_)
    if (qp->send_cq == cq || qp->recv_cq == cq) return EBUSY;
  if (cq->channel != nullptr) {
    std::lock_guard chl(cq->channel->mu);
    auto& ev = cq->channel->events;
    for (auto it = ev.begin(); it != ev.end();) it = (*it == &cq->ibv) ? ev.erase(it) : it + 1;
  }
  return cqs_.erase(cq) == 1 ? 0 : EINVAL;
}

int SoftDevice::pollCq(SoftCq* cq, int n, ibv_wc* wc, uint64_t* ts) {
  std::lock_guard lock(mu_);
  if (cq->broken) return -EOVERFLOW;
  int got = 0;
  while (got < n && !cq->entries.empty()) {
    const SoftCqe& e = cq->entries.front();
    wc[got] = e.wc;
    if (ts != nullptr) ts[got] = cq->timestamps ? e.ts : 0;
    auto qp = qps_.find(e.wc.qp_num);
    if (qp != qps_.end()) {
      qp->second->sq_slots -= std::min(qp->second->sq_slots, e.sq_retire);
      qp->second->rq_slots -= std::min(qp->second->rq_slots, e.rq_retire);
    }
    cq->entries.pop_front();
    ++got;
  }
  return got;
}

int SoftDevice::reqNotifyCq(SoftCq* cq) {
  std::lock_guard lock(mu_);
  if (cq->channel == nullptr) return EINVAL;
  cq->armed = true;
  return 0;
}

void SoftDevice::pushCqe(SoftCq* cq, const ibv_wc& wc, uint32_t sq_retire, uint32_t rq_retire) {
  if (cq->broken) return;
  if (cq->entries.size() >= static_cast<size_t>(cq->ibv.cqe)) {
    // Overrun: the CQ is in error and so is every QP that completes to it.
    cq->broken = true;
    for (auto& [qpn, qp] : qps_)
      if ((qp->send_cq == cq || qp->recv_cq == cq) && qp->ibv.state != IBV_QPS_ERR) moveToError(qp.get());
    return;
  }
  cq->entries.push_back(SoftCqe{wc, rawClockNs(), sq_retire, rq_retire});
  if (cq->armed && cq->channel != nullptr) {
    cq->armed = false;
    std::lock_guard chl(cq->channel->mu);
    cq->channel->events.push_back(&cq->ibv);
    uint64_t one = 1;
    (void)!::write(cq->channel->ibv.fd, &one, sizeof one);
  }
}

void SoftDevice::completeSend(SoftQp* qp, const SoftSendWqe& w, ibv_wc_status status) {
  bool signaled = w.signaled || qp->sq_sig_all || status != IBV_WC_SUCCESS;
  if (!signaled) {
    ++qp->unsignaled_done;
    return;
  }
  ibv_wc wc{};
  wc.wr_id = w.wr_id;
  wc.status = status;
  switch (w.opcode) {
    case IBV_WR_RDMA_WRITE:
    case IBV_WR_RDMA_WRITE_WITH_IMM: wc.opcode = IBV_WC_RDMA_WRITE; break;
    case IBV_WR_RDMA_READ: wc.opcode = IBV_WC_RDMA_READ; break;
    default: wc.opcode = IBV_WC_SEND; break;
  }
  wc.byte_len = w.opcode == IBV_WR_RDMA_READ ? w.length : 0;
  wc.qp_num = qp->ibv.qp_num;
  wc.vendor_err = status == IBV_WC_SUCCESS || status == IBV_WC_WR_FLUSH_ERR ? 0 : 0x100 + status;
  uint32_t retire = qp->unsignaled_done + 1;
  qp->unsignaled_done = 0;
  pushCqe(qp->send_cq, wc, retire, 0);
}

void SoftDevice::completeRecv(SoftQp* qp, const SoftRecvWqe& r, ibv_wc_status status, const ibv_wc* filled) {
  ibv_wc wc{};
  if (filled != nullptr) wc = *filled;
  wc.wr_id = r.wr_id;
  wc.status = status;
  if (filled == nullptr) wc.opcode = IBV_WC_RECV;
  wc.qp_num = qp->ibv.qp_num;
  wc.vendor_err = status == IBV_WC_SUCCESS || status == IBV_WC_WR_FLUSH_ERR ? 0 : 0x100 + status;
  pushCqe(qp->recv_cq, wc, 0, 1);
}

void SoftDevice::moveToError(SoftQp* qp) {
  qp->ibv.state = IBV_QPS_ERR;
  qp->attr.qp_state = IBV_QPS_ERR;
  qp->ack_deadline = 0;
  std::deque<SoftSendWqe> sq;
  std::deque<SoftRecvWqe> rq;
  sq.swap(qp->sq);
  rq.swap(qp->rq);
  qp->sq_next = 0;
  if (qp->in_message) rq.push_front(std::move(qp->cur_recv));
  qp->in_message = false;
  for (const auto& w : sq) completeSend(qp, w, IBV_WC_WR_FLUSH_ERR);
  for (const auto& r : rq) completeRecv(qp, r, IBV_WC_WR_FLUSH_ERR, nullptr);
}

}  // namespace fabcheck::transport::verbs::soft
