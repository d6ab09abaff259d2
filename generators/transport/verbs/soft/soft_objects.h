// The software device's objects. Each starts with the libibverbs struct its handle points at,
// so the public fields (mr->lkey, qp->qp_num, cq->cqe, channel->fd...) are valid and a handle
// converts back with fromIbv(). All state is guarded by the owning SoftDevice's mutex, except
// SoftChannel (its own mutex: channels are read without the device lock).
#pragma once

#include <infiniband/verbs.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace fabcheck::transport::verbs::soft {

class SoftDevice;

constexpr uint32_t kMagicPd = 0x50445044, kMagicMr = 0x4d524d52, kMagicCq = 0x43514351,
                   kMagicQp = 0x51505150, kMagicAh = 0x41484148, kMagicCh = 0x43484348;

struct SoftPd {
  ibv_pd ibv{};
  uint32_t magic = kMagicPd;
  SoftDevice* dev = nullptr;
};

struct SoftMr {
  ibv_mr ibv{};
  uint32_t magic = kMagicMr;
  SoftPd* pd = nullptr;
  int access = 0;
};

struct SoftChannel {
  ibv_comp_channel ibv{};
  uint32_t magic = kMagicCh;
  std::mutex mu;
  std::deque<ibv_cq*> events;  // CQs whose notification fired, oldest first
};

// One completion as the CQ holds it until polled.
struct SoftCqe {
  ibv_wc wc{};
  uint64_t ts = 0;
  uint32_t sq_retire = 0;  // send-queue slots this completion frees when polled
  uint32_t rq_retire = 0;  // receive-queue slots freed when polled
};

struct SoftCq {
  ibv_cq ibv{};
  uint32_t magic = kMagicCq;
  SoftDevice* dev = nullptr;
  SoftChannel* channel = nullptr;
  bool timestamps = false;
  bool armed = false;
  bool broken = false;  // overrun: pollCq < 0 from then on
  std::deque<SoftCqe> entries;
};

struct SoftAh {
  ibv_ah ibv{};
  uint32_t magic = kMagicAh;
  ibv_ah_attr attr{};
};

// A scatter/gather element as posted, or inline bytes copied at post time.
struct SoftSge {
  uint64_t addr = 0;
  uint32_t length = 0;
  uint32_t lkey = 0;
};

struct SoftRecvWqe {
  uint64_t wr_id = 0;
  std::vector<SoftSge> sges;
};

struct SoftSendWqe {
  uint64_t wr_id = 0;
  ibv_wr_opcode opcode = IBV_WR_SEND;
  bool signaled = false;
  std::vector<SoftSge> sges;
  std::vector<uint8_t> inline_data;
  bool is_inline = false;
  uint32_t length = 0;  // total bytes
  uint32_t imm = 0;     // network order, as given
  uint64_t remote_addr = 0;
  uint32_t rkey = 0;
  // UD
  ibv_ah_attr ah{};
  uint32_t remote_qpn = 0, remote_qkey = 0;
  // Requester progress
  ibv_wc_status local_error = IBV_WC_SUCCESS;  // found at post: completes in error at the head
  uint32_t psn = 0;        // first PSN
  uint32_t npkts = 1;      // PSNs used
  uint32_t sent_pkts = 0;  // pieces transmitted in the current attempt
  uint32_t read_bytes = 0; // READ: response bytes placed so far
  bool done = false;       // acknowledged (RC) or sent (UD): completes when at the head
};

// Requester and responder state of a QP (see soft_requester.cpp, soft_responder.cpp).
struct SoftQp {
  ibv_qp ibv{};
  uint32_t magic = kMagicQp;
  SoftDevice* dev = nullptr;
  SoftPd* pd = nullptr;
  SoftCq* send_cq = nullptr;
  SoftCq* recv_cq = nullptr;
  ibv_qp_cap cap{};
  bool sq_sig_all = false;
  ibv_qp_attr attr{};  // the attributes set so far
  // Send queue: posted and not yet completed, oldest first.
  std::deque<SoftSendWqe> sq;
  size_t sq_next = 0;           // index in sq of the next WQE to transmit
  uint32_t sq_slots = 0;        // slots held (posted, completion not yet polled)
  uint32_t unsignaled_done = 0; // completed unsignalled WQEs not yet retired
  uint32_t sq_next_psn = 0;
  uint32_t acked_psn = 0;       // last PSN acknowledged (cumulative)
  uint64_t ack_deadline = 0;    // ns; 0 = no timer
  uint64_t resume_at = 0;       // ns; RNR wait / back-pressure: transmit nothing before
  uint32_t retries = 0, rnr_retries = 0;
  // Receive queue
  std::deque<SoftRecvWqe> rq;
  uint32_t rq_slots = 0;
  // Responder
  uint32_t epsn = 0;              // next PSN expected
  bool in_message = false;        // a multi-piece SEND/WRITE_IMM in progress
  SoftRecvWqe cur_recv;           // its receive WQE
  int last_tclass = -1;
};

template <class Soft, class Ibv>
Soft* fromIbv(Ibv* ibv, uint32_t magic) {
  if (ibv == nullptr) return nullptr;
  auto* soft = reinterpret_cast<Soft*>(ibv);
  return soft->magic == magic ? soft : nullptr;
}

}  // namespace fabcheck::transport::verbs::soft
